package dev.vde.cli;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;

/** Streaming JSON documents on standard output, pretty-printed, one per command. */
final class Json {
    private Json() {
    }

    static JsonGenerator generator(Io io) throws IOException {
        return generator(io.outStream());
    }

    /** A document on any stream (diff's statistics go to stderr when stdout carries the delta). */
    static JsonGenerator generator(OutputStream out) throws IOException {
        JsonGenerator g = new JsonFactory().createGenerator(new NoClose(out), JsonEncoding.UTF8);
        g.useDefaultPrettyPrinter();
        return new Terminated(g, out);
    }

    /** Ends the document with a newline, as line-oriented tools expect. */
    private static final class Terminated extends com.fasterxml.jackson.core.util.JsonGeneratorDelegate {
        private final OutputStream out;

        Terminated(JsonGenerator d, OutputStream out) {
            super(d);
            this.out = out;
        }

        @Override
        public void close() throws IOException {
            super.close();
            out.write('\n');
            out.flush();
        }
    }

    private static final class NoClose extends java.io.FilterOutputStream {
        NoClose(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
