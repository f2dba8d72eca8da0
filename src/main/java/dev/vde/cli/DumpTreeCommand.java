package dev.vde.cli;

import dev.vde.btree.BTree;
import dev.vde.error.NotFoundException;
import dev.vde.format.CatalogRoot;
import dev.vde.format.Superblock;
import dev.vde.format.Tag;
import dev.vde.image.Image;
import dev.vde.inode.FileExtents;
import dev.vde.inode.Inode;
import dev.vde.snapshot.Catalog;
import dev.vde.snapshot.SnapshotListCodec;
import dev.vde.snapshot.SnapshotRecord;
import dev.vde.wal.Transaction;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "dump-tree", mixinStandardHelpOptions = true,
        description = {"Print an image's on-disk structures as they are stored, for inspection and debugging.",
            "Without NAME: every superblock field, the region map, the counters, the log header, the name "
                + "index node by node (block, level, entries, owner, siblings; leaves list hash and inode), the "
                + "snapshot catalog root, every snapshot record (id, name, uuid, txid, creation time, counts, "
                + "digest, its list page and file-table pages) and the ref-count table node by node (leaves list "
                + "start block, blocks and count; only counts above 1 are stored).",
            "With NAME or --inode N: that file's inode, then its extents: inline, or the extent tree node by "
                + "node (leaves list logical offset, start block, blocks and flags; internal nodes key and child).",
            "With --snapshot S: the same for the files frozen in snapshot S instead of the live ones: its "
                + "record, then NAME's (or inode N's) inode and extents, or, without NAME, every frozen file's. "
                + "A missing snapshot or file is status 3, with nothing printed.",
            "Nodes are printed as they are read, one at a time, so a tree of any size dumps in little memory; "
                + "a damaged block stops the dump with status 7 after everything before it was printed.",
            "Colour only on a terminal; NO_COLOR=1 turns it off.",
            "With --json, one document. Without NAME: {image, superblock: {block, copy, fromLog, magic, "
                + "<every field: formatVersion ... blockSize ... dataStart, catalogBlock>}, regions: [{name, tag, "
                + "start, blocks}], counters: {freeBlocks, usedBlocks, files, inodeHighWater, bitmapHighWater, txid}, "
                + "wal: {block, readable, txid, images, descriptors, firstDescriptor, pendingReplay}, "
                + "nameIndex: {root, height, nodes: [NODE]}, catalog: {block, snapshotCount, nextSnapshotId, "
                + "listHead, listPages, refRoot, refHeight}, snapshots: [SNAPSHOT], "
                + "refCounts: {root, height, nodes: [NODE]}}; catalog.block is 0 before the first snapshot. "
                + "With a file: {image, blockSize, inode: {inode, name, size, inlineCount, treeRoot, treeHeight, "
                + "extentCount, allocatedBlocks, createTxid, modifyTxid, mtimeMillis, digest}, and either "
                + "inlineExtents: [EXTENT] or extentTree: {root, height, nodes: [NODE]}}. "
                + "With --snapshot: {image, blockSize, snapshot: SNAPSHOT, and the file's inode and extents as "
                + "above, or without NAME files: [{inode, inlineExtents or extentTree}]}. "
                + "SNAPSHOT = {id, name, uuid, txid, localTxid, createdMillis, fileCount, bytes, extentCount, dataBlocks, "
                + "metaBlocks, digest, listPage, filesHead, filesPages, fileTablePages: [block]}. "
                + "NODE = {block, tag, level, entries, owner, next, prev, and children: [{key, child}] (internal), "
                + "names: [{hash, inode}] (name-index leaf), extents: [EXTENT] (extent leaf) or counts: [{start, "
                + "blocks, count}] (ref-count leaf)}; EXTENT = {logical, start, blocks, flags}. Name hashes and "
                + "name-index keys are hex strings; the key -2^63 (\"min\" in text) marks the first child on the "
                + "leftmost path. A document cut short by an error is left unterminated."},
        footer = {"%nExamples:",
            "  vde dump-tree disk.vde",
            "  vde dump-tree disk.vde vm.raw",
            "  vde dump-tree disk.vde --inode 7 | less",
            "  vde dump-tree disk.vde --json | jq '.nameIndex.nodes | length'",
            "  vde dump-tree disk.vde vm.raw --json | jq '.extentTree.nodes[0]'",
            "  vde dump-tree disk.vde --json | jq '.snapshots[] | {name, fileCount}'",
            "  vde dump-tree disk.vde vm.raw --snapshot nightly"})
final class DumpTreeCommand extends ImageCommand {
    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image.")
    Path image;

    @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", description = "File in the image whose extents to dump.")
    String name;

    @Option(names = "--inode", paramLabel = "N", description = "Dump the file with inode number N instead of NAME.")
    Long inode;

    @Option(names = "--snapshot", paramLabel = "S", description = "Dump the files frozen in snapshot S instead of the live ones.")
    String snapshot;

    @Option(names = "--json", description = "Print one JSON document.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    WaitOption lockWait = new WaitOption();

    @Override
    public Integer call() throws Exception {
        if (name != null && inode != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give NAME or --inode, not both");
        }
        if (inode != null && inode < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--inode must be at least 1: " + inode);
        }
        try (Image img = open(image, false, lockWait)) {
            // Find the file or snapshot before printing anything: a missing one is an error with nothing on stdout.
            Frozen frozen = snapshot == null ? null : Frozen.find(img, snapshot, name, inode);
            FileExtents file = frozen != null || (name == null && inode == null) ? null
                    : name != null ? img.extents(name) : img.extents(inode);
            DumpOutput.Json doc = json ? new DumpOutput.Json(Json.generator(io()), image.toString()) : null;
            try (DumpOutput out = doc != null ? doc : new DumpOutput.Text(io().outStream(), style())) {
                if (frozen != null) {
                    dumpSnapshot(img, frozen, out);
                } else if (file == null) {
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

    /** A snapshot's record, its list page, and the frozen files to dump: all of them, or the one asked for. */
    private record Frozen(SnapshotRecord record, long listPage, List<Inode> files, boolean one) {
        static Frozen find(Image img, String snapshot, String name, Long inode) {
            SnapshotRecord[] found = {null};
            long[] page = {0};
            forEachListed(img.view(), (r, p) -> {
                if (found[0] == null && r.name.equals(snapshot)) {
                    found[0] = r;
                    page[0] = p;
                }
            });
            if (found[0] == null) {
                throw new NotFoundException("no snapshot named '" + snapshot + "'");
            }
            List<Inode> all = img.snapshotFiles(snapshot);
            if (name == null && inode == null) {
                return new Frozen(found[0], page[0], all, false);
            }
            for (Inode f : all) {
                if (name != null ? f.name.equals(name) : f.number == inode) {
                    return new Frozen(found[0], page[0], List.of(f), true);
                }
            }
            throw new NotFoundException((name != null ? "no file named '" + name + "'" : "no file with inode " + inode)
                    + " in snapshot '" + snapshot + "'");
        }
    }

    @FunctionalInterface
    private interface ListedVisitor {
        void visit(SnapshotRecord r, long listPage) throws IOException;
    }

    /** Every snapshot record page by page as stored, so that each is shown with the page that holds it. */
    private static void forEachListed(Transaction view, ListedVisitor visitor) {
        Superblock sb = view.superblock();
        CatalogRoot root = view.catalog();
        List<Long> pages = new ArrayList<>();
        new Catalog(view).forEachPage(root.listHead, root.listPages, "snapshot list", Tag.SLST, pages::add);
        try {
            for (long page : pages) {
                List<SnapshotRecord> records = new ArrayList<>();
                SnapshotListCodec.decode(view.read(page, Tag.SLST), page, sb.dataStart, sb.totalBlocks, records);
                for (SnapshotRecord r : records) {
                    visitor.visit(r, page);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void dumpImage(Image img, DumpOutput out) throws IOException {
        Superblock sb = img.superblock();
        out.superblock(sb, img.logPending());
        out.regions(sb);
        out.counters(sb);
        out.wal(sb.walStart, img.walHeader(), img.logPending());
        tree(img.nameTree(), "name index", out);
        Transaction view = img.view();
        out.catalog(sb.catalogBlock, view.catalog());
        Catalog catalog = new Catalog(view);
        out.beginList("snapshots");
        try {
            forEachListed(view, (r, page) -> out.snapshot(r, page, filePages(catalog, r), true));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        out.endList();
        tree(img.refCounts().tree(), "ref-count table", out);
    }

    private static List<Long> filePages(Catalog catalog, SnapshotRecord r) {
        List<Long> pages = new ArrayList<>();
        catalog.forEachPage(r.filesHead, r.filesPages, "file table of snapshot '" + r.name + "'", Tag.SFIL, pages::add);
        return pages;
    }

    private static void dumpSnapshot(Image img, Frozen frozen, DumpOutput out) throws IOException {
        Transaction view = img.view();
        out.blockSize(view.blockSize());
        out.snapshot(frozen.record(), frozen.listPage(), filePages(new Catalog(view), frozen.record()), false);
        if (frozen.one()) {
            fileExtents(new FileExtents(view, frozen.files().get(0)), out);
            return;
        }
        out.beginList("files");
        for (Inode f : frozen.files()) {
            out.beginItem();
            fileExtents(new FileExtents(view, f), out);
            out.endItem();
        }
        out.endList();
    }

    private static void dumpFile(Image img, FileExtents file, DumpOutput out) throws IOException {
        out.blockSize(img.superblock().blockSize);
        fileExtents(file, out);
    }

    private static void fileExtents(FileExtents file, DumpOutput out) throws IOException {
        Inode ino = file.inode();
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
