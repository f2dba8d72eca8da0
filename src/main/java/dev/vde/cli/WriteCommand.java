package dev.vde.cli;

import dev.vde.image.Image;
import dev.vde.io.Progress;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "write", mixinStandardHelpOptions = true,
        description = {"Write bytes from a host file or standard input into file NAME of the image, creating it if needed.",
            "The write is one atomic transaction: after a crash the file holds its old or its new content, "
                + "never a mix. Data goes to new blocks (copy-on-write); writing past the end leaves a hole "
                + "that reads as zeros."},
        footer = {"%nExamples:",
            "  vde write disk.vde vmlinuz --input /boot/vmlinuz",
            "  tar c docs | vde write disk.vde docs.tar",
            "  printf 'patch' | vde write disk.vde notes.txt --offset 1M --truncate"})
final class WriteCommand extends ImageCommand {
    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image.")
    Path image;

    @Parameters(index = "1", paramLabel = "NAME", description = "File in the image.")
    String name;

    @Option(names = {"-i", "--input"}, paramLabel = "FILE", defaultValue = "-",
            description = "Host file to read, or - for standard input (default).")
    String input;

    @Option(names = "--offset", defaultValue = "0", converter = SizeConverter.class, paramLabel = "N",
            description = "Byte offset in NAME to write at (default: 0); suffixes K, M, G, T.")
    long offset;

    @Option(names = "--truncate", description = "Set the size of NAME to the offset before writing.")
    boolean truncate;

    @Mixin
    ProgressOption progress;

    @Mixin
    WaitOption lockWait = new WaitOption();

    @Override
    public Integer call() throws Exception {
        if ("-".equals(input)) {
            // Else the JDK's own file that took descriptor 0 would be written into the image.
            checkStdin(false, " (use --input FILE, or pipe the data in)");
        }
        Progress meter = ProgressMeter.open(io(), progress.when, "write", ProgressMeter.Unit.BYTES);
        try (Image img = open(image, true, lockWait)) {
            if ("-".equals(input)) {
                ReadableByteChannel in = io().inChannel();
                meter.total(knownSize(in));
                img.write(name, offset, truncate, CountingChannels.reading(in, meter));
            } else {
                Path from = Path.of(input);
                if (Files.isDirectory(from)) {
                    throw new FileSystemException(input, null, "is a directory");
                }
                try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ)) {
                    meter.total(knownSize(in));
                    img.write(name, offset, truncate, CountingChannels.reading(in, meter));
                }
            }
        } finally {
            ProgressMeter.close(meter);
        }
        return ExitCodes.OK;
    }

    /** What is left to read of a regular file (also one redirected to stdin); -1 for a pipe. */
    private static long knownSize(ReadableByteChannel in) {
        try {
            if (in instanceof FileChannel f) {
                long left = f.size() - f.position();
                return left > 0 ? left : -1;
            }
        } catch (java.io.IOException e) { // a pipe or socket has no size: the meter shows no total
        }
        return -1;
    }
}
