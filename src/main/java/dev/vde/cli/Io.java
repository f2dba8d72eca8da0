package dev.vde.cli;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;

/**
 * The standard streams of one run. A real process uses the file descriptors directly (their
 * channels let data move without a copy through the heap); tests pass in-memory streams.
 */
public final class Io {
    private final InputStream in;
    private final OutputStream out;
    private final PrintWriter text;
    private final PrintWriter err;
    /** True for the process's own descriptors 0, 1 and 2 (not in-memory streams). */
    private final boolean processStreams;

    public Io(InputStream in, OutputStream out, OutputStream err) {
        this(in, out, err, false);
    }

    private Io(InputStream in, OutputStream out, OutputStream err, boolean processStreams) {
        this.processStreams = processStreams;
        this.in = in;
        this.out = out;
        this.text = new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), false);
        this.err = new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true);
    }

    public static Io system() {
        return new Io(new FileInputStream(FileDescriptor.in), new FileOutputStream(FileDescriptor.out),
                new FileOutputStream(FileDescriptor.err), true);
    }

    /** True if standard output is this process's file descriptor 1 (not an in-memory stream). */
    public boolean isProcessStdout() {
        return processStreams;
    }

    /** True if standard error is this process's file descriptor 2 (not an in-memory stream). */
    public boolean isProcessStderr() {
        return processStreams;
    }

    /** True if standard input is this process's file descriptor 0 (not an in-memory stream). */
    public boolean isProcessStdin() {
        return processStreams;
    }

    /**
     * True if this process was started with standard input closed ({@code <&-}, some daemons):
     * descriptor 0 is then either still not open or, usually, one of the JVM's own files took it,
     * and reading "stdin" would read the JDK's class archive.
     */
    public boolean stdinClosed() {
        if (!processStreams) {
            return false;
        }
        String fd0 = Descriptors.target(0);
        if (fd0 == null) {
            return false; // without /proc (not Linux) descriptor 0 cannot be named: stdin is read as given
        }
        return fd0.equals(Descriptors.NOT_OPEN) || fd0.startsWith(System.getProperty("java.home"))
                || fd0.endsWith(".jar");
    }

    /** Standard input as a channel. */
    public ReadableByteChannel inChannel() {
        return in instanceof FileInputStream ? ((FileInputStream) in).getChannel() : Channels.newChannel(in);
    }

    /** Standard output as a channel, for data; do not mix with {@link #out()} text. */
    public WritableByteChannel outChannel() {
        text.flush();
        return out instanceof FileOutputStream ? ((FileOutputStream) out).getChannel() : Channels.newChannel(out);
    }

    public OutputStream outStream() {
        text.flush();
        return out;
    }

    /** Standard output for text; flushed when the command ends. */
    public PrintWriter out() {
        return text;
    }

    public PrintWriter err() {
        return err;
    }
}
