package dev.vde.cli;

import dev.vde.btree.BTree;
import dev.vde.format.Superblock;
import dev.vde.image.Image;
import dev.vde.inode.FileExtents;
import dev.vde.inode.Inode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "dump-tree", mixinStandardHelpOptions = true,
        description = {"Print an image's on-disk structures as they are stored, for inspection and debugging.",
            "Without NAME: every superblock field, the region map, the counters, the log header and the name "
                + "index node by node (block, level, entries, owner, siblings; leaves list hash and inode).",
            "With NAME or --inode N: that file's inode, then its extents: inline, or the extent tree node by "
                + "node (leaves list logical offset, start block, blocks and flags; internal nodes key and child).",
            "Nodes are printed as they are read, one at a time, so a tree of any size dumps in little memory; "
                + "a damaged block stops the dump with status 7 after everything before it was printed.",
            "Colour only on a terminal; NO_COLOR=1 turns it off.",
            "With --json, one document. Without NAME: {image, superblock: {block, copy, fromLog, magic, "
                + "<every field: formatVersion ... blockSize ... dataStart>}, regions: [{name, tag, start, blocks}], "
                + "counters: {freeBlocks, usedBlocks, files, inodeHighWater, bitmapHighWater, txid}, "
                + "wal: {block, readable, txid, images, descriptors, firstDescriptor, pendingReplay}, "
                + "nameIndex: {root, height, nodes: [NODE]}}. "
                + "With a file: {image, blockSize, inode: {inode, name, size, inlineCount, treeRoot, treeHeight, "
                + "extentCount, allocatedBlocks, createTxid, modifyTxid, mtimeMillis}, and either "
                + "inlineExtents: [EXTENT] or extentTree: {root, height, nodes: [NODE]}}. "
                + "NODE = {block, tag, level, entries, owner, next, prev, and children: [{key, child}] (internal), "
                + "names: [{hash, inode}] (name-index leaf) or extents: [EXTENT] (extent leaf)}; "
                + "EXTENT = {logical, start, blocks, flags}. Name hashes and name-index keys are hex strings; "
                + "the key -2^63 (\"min\" in text) marks the first child on the leftmost path. A document cut short by an "
                + "error is left unterminated."},
        footer = {"%nExamples:",
            "  vde dump-tree disk.vde",
            "  vde dump-tree disk.vde vm.raw",
            "  vde dump-tree disk.vde --inode 7 | less",
            "  vde dump-tree disk.vde --json | jq '.nameIndex.nodes | length'",
            "  vde dump-tree disk.vde vm.raw --json | jq '.extentTree.nodes[0]'"})
final class DumpTreeCommand extends ImageCommand {
    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image.")
    Path image;

    @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", description = "File in the image whose extents to dump.")
    String name;

    @Option(names = "--inode", paramLabel = "N", description = "Dump the file with inode number N instead of NAME.")
    Long inode;

    @Option(names = "--json", description = "Print one JSON document.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (name != null && inode != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give NAME or --inode, not both");
        }
        if (inode != null && inode < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--inode must be at least 1: " + inode);
        }
        try (Image img = open(image, false)) {
            // Find the file before printing anything: a missing one is an error with nothing on stdout.
            FileExtents file = name != null ? img.extents(name) : inode != null ? img.extents(inode) : null;
            DumpOutput.Json doc = json ? new DumpOutput.Json(Json.generator(io()), image.toString()) : null;
            try (DumpOutput out = doc != null ? doc : new DumpOutput.Text(io().outStream(), Style.forStdout(io()))) {
                if (file == null) {
                    dumpImage(img, out);
                } else {
                    dumpFile(img, file, out);
                }
                if (doc != null) {
                    doc.finish();
                }
            }
        }
        return ExitCodes.OK;
    }

    private static void dumpImage(Image img, DumpOutput out) throws IOException {
        Superblock sb = img.superblock();
        out.superblock(sb, img.logPending());
        out.regions(sb);
        out.counters(sb);
        out.wal(sb.walStart, img.walHeader(), img.logPending());
        tree(img.nameTree(), "name index", out);
    }

    private static void dumpFile(Image img, FileExtents file, DumpOutput out) throws IOException {
        Inode ino = file.inode();
        out.blockSize(img.superblock().blockSize);
        out.inode(ino);
        if (file.tree() == null) {
            out.inlineExtents(ino.inline);
        } else {
            tree(file.tree(), "extent tree", out);
        }
    }

    /** Prints each node as the walk loads it; the walk holds only the nodes on the current path. */
    private static void tree(BTree tree, String what, DumpOutput out) throws IOException {
        out.beginTree(what, tree.root(), tree.height());
        try {
            tree.forEachNode(n -> {
                try {
                    out.node(n);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        out.endTree();
    }
}
