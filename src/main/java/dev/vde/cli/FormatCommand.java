package dev.vde.cli;

import dev.vde.image.Image;
import dev.vde.image.ImageInfo;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "format", mixinStandardHelpOptions = true,
        description = "Create an empty image as a sparse file: it takes almost no disk space until data is written.",
        footer = {"%nExamples:",
            "  vde format disk.vde --size 10G",
            "  vde format big.vde --size 16T --block-size 65536",
            "  vde format disk.vde --size 1G --force        # overwrite an existing file"})
final class FormatCommand extends ImageCommand {
    @Parameters(index = "0", paramLabel = "IMAGE", description = "Image file to create.")
    Path image;

    @Option(names = "--size", required = true, converter = SizeConverter.class, paramLabel = "SIZE",
            description = "Image size in bytes; suffixes K, M, G, T, P (powers of 1024). Rounded down to whole blocks.")
    long size;

    @Option(names = "--block-size", defaultValue = "4096", paramLabel = "N", converter = SizeConverter.class,
            description = "Block size: a power of two from 512 to 65536 (default: ${DEFAULT-VALUE}).")
    long blockSize;

    @Option(names = "--inodes", defaultValue = "0", paramLabel = "N",
            description = "Maximum number of files (default: one per 32 blocks, 64 to 1048576).")
    long inodes;

    @Option(names = "--force", description = "Overwrite IMAGE if it exists.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        if (blockSize > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("block size must be a power of two from 512 to 65536, not " + blockSize);
        }
        if (inodes < 0) {
            throw new IllegalArgumentException("--inodes must not be negative");
        }
        main().currentImage = image.toString();
        Image.create(image, size, (int) blockSize, inodes, force);
        try (Image img = Image.open(image, false)) {
            ImageInfo i = img.info();
            io().out().printf("formatted %s: %s in %d blocks of %d bytes, room for %d files, uuid %s%n", image,
                    Human.bytes(i.imageBytes()), i.totalBlocks(), i.blockSize(), i.inodeCapacity(), i.uuid());
        }
        return ExitCodes.OK;
    }
}
