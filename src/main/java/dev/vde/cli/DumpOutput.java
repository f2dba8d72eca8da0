package dev.vde.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.vde.btree.Node;
import dev.vde.btree.NodeLayout;
import dev.vde.format.CatalogRoot;
import dev.vde.format.Superblock;
import dev.vde.format.Tag;
import dev.vde.inode.Extent;
import dev.vde.inode.Inode;
import dev.vde.snapshot.SnapshotRecord;
import dev.vde.wal.WalCodec;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * What {@code dump-tree} prints, as text or as one JSON document. Everything is written as it is
 * handed over, one node at a time: nothing is collected, so the memory used does not depend on the
 * size of a tree, and whatever was printed before a failure reaches standard output.
 */
interface DumpOutput extends Closeable {
    /** The superblock in use; {@code fromLog} when it was read from a log that is not yet home. */
    void superblock(Superblock sb, boolean fromLog) throws IOException;

    void regions(Superblock sb) throws IOException;

    void counters(Superblock sb) throws IOException;

    /** The log header in block {@code block}; {@code h} is null if it cannot be read. */
    void wal(long block, WalCodec.Header h, boolean pending) throws IOException;

    /** Starts the nodes of a tree ({@code root} 0 for an empty one). */
    void beginTree(String what, long root, int height) throws IOException;

    void node(Node n) throws IOException;

    void endTree() throws IOException;

    /** The image's block size, when the superblock is not printed. */
    void blockSize(int blockSize) throws IOException;

    void inode(Inode ino) throws IOException;

    void inlineExtents(List<Extent> extents) throws IOException;

    /** The snapshot catalog root in {@code block} (0 before the first snapshot: {@code root} is then empty). */
    void catalog(long block, CatalogRoot root) throws IOException;

    /**
     * One snapshot record, found in list page {@code listPage}, with the blocks of its file table.
     *
     * @param inList an item of {@link #beginList}, else the one snapshot a dump is about
     */
    void snapshot(SnapshotRecord r, long listPage, List<Long> filePages, boolean inList) throws IOException;

    /**
     * Starts a list of items (the snapshots, a snapshot's files); an item is either a
     * {@link #snapshot} or what comes between {@link #beginItem()} and {@link #endItem()}.
     */
    void beginList(String key) throws IOException;

    void endList() throws IOException;

    void beginItem() throws IOException;

    void endItem() throws IOException;

    /** Flushes what was written; does not complete a document that a failure cut short. */
    @Override
    void close() throws IOException;

    /** What the data region holds besides file data. */
    String DATA_TAGS = "EXTN,NIDX,RCNT,SLST,SFIL";

    static String hex(long v) {
        return String.format("0x%016x", v);
    }

    static String flagNames(int flags) {
        StringBuilder b = new StringBuilder();
        String[] names = {"compressed", "precompressed", "encrypted", "hole", "shared-cow"};
        for (int i = 0; i < names.length; i++) {
            if ((flags & (1 << i)) != 0) {
                b.append(b.length() == 0 ? "" : ",").append(names[i]);
            }
        }
        return b.toString();
    }

    /** Aligned text, coloured by {@link Style}. */
    final class Text implements DumpOutput {
        private final Writer out;
        private final Style style;

        Text(OutputStream stdout, Style style) {
            this.out = new BufferedWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8), 1 << 16);
            this.style = style;
        }

        private void heading(String title) throws IOException {
            heading(title, "");
        }

        /** A bold title followed by plain (possibly coloured) details. */
        private void heading(String title, String details) throws IOException {
            out.write(style.heading(title));
            out.write(details);
            out.write('\n');
        }

        private void field(String name, Object value) throws IOException {
            out.write("  ");
            out.write(name);
            for (int i = name.length(); i < 17; i++) {
                out.write(' ');
            }
            out.write(String.valueOf(value));
            out.write('\n');
        }

        @Override
        public void superblock(Superblock s, boolean fromLog) throws IOException {
            int slot = Superblock.slotFor(s.txid);
            heading("superblock", (fromLog ? " (from the log, copy " : " (block " + style.block(slot) + ", copy ")
                    + (slot == 0 ? "A" : "B") + ")");
            field("magic", "VDEIMAGE");
            field("formatVersion", s.formatVersion);
            field("readVersion", s.readVersion);
            field("writeVersion", s.writeVersion);
            field("blockSize", s.blockSize);
            field("inodeSize", s.inodeSize);
            field("totalBlocks", s.totalBlocks);
            field("uuid", s.uuid);
            field("txid", s.txid);
            field("createdMillis", s.createdMillis + " (" + Instant.ofEpochMilli(s.createdMillis) + ")");
            field("freeBlocks", s.freeBlocks);
            field("fileCount", s.fileCount);
            field("nameRoot", style.block(s.nameRoot));
            field("nameHeight", s.nameHeight);
            field("inodeCount", s.inodeCount);
            field("inodeHighWater", s.inodeHighWater);
            field("nextInodeHint", s.nextInodeHint);
            field("bitmapHighWater", s.bitmapHighWater);
            field("walStart", style.block(s.walStart));
            field("walBlocks", s.walBlocks);
            field("bitmapStart", style.block(s.bitmapStart));
            field("bitmapBlocks", s.bitmapBlocks);
            field("inodeStart", style.block(s.inodeStart));
            field("inodeBlocks", s.inodeBlocks);
            field("snapStart", style.block(s.snapStart));
            field("snapBlocks", s.snapBlocks);
            field("dataStart", style.block(s.dataStart));
            field("catalogBlock", style.block(s.catalogBlock));
        }

        private void region(String name, String tag, long start, long blocks) throws IOException {
            String startText = Long.toString(start);
            out.write("  " + name + " ".repeat(Math.max(1, 14 - name.length())) + style.tag(tag)
                    + " ".repeat(Math.max(1, 11 - tag.length())) + "start " + style.block(start)
                    + " ".repeat(Math.max(1, 13 - startText.length())) + "blocks " + blocks + "\n");
        }

        @Override
        public void regions(Superblock s) throws IOException {
            heading("regions");
            region("superblock A", "SUPB", 0, 1);
            region("superblock B", "SUPB", 1, 1);
            region("wal", "MWAL", s.walStart, s.walBlocks);
            region("bitmap", "BMAP", s.bitmapStart, s.bitmapBlocks);
            region("inodes", "INOD", s.inodeStart, s.inodeBlocks);
            region("snap", "SNAP", s.snapStart, s.snapBlocks);
            region("data", DATA_TAGS, s.dataStart, s.totalBlocks - s.dataStart);
        }

        @Override
        public void counters(Superblock s) throws IOException {
            heading("counters");
            field("freeBlocks", s.freeBlocks);
            field("usedBlocks", s.totalBlocks - s.dataStart - s.freeBlocks);
            field("files", s.fileCount);
            field("inodeHighWater", s.inodeHighWater);
            field("bitmapHighWater", s.bitmapHighWater);
            field("txid", s.txid);
        }

        @Override
        public void wal(long block, WalCodec.Header h, boolean pending) throws IOException {
            heading("wal header", " (block " + style.block(block) + ")");
            if (h == null) {
                field("header", "unreadable (torn: nothing committed by it)");
            } else {
                field("txid", h.txid());
                field("images", h.imageCount());
                field("descriptors", h.descriptorCount());
                field("firstDescriptor", style.block(h.firstDescriptor()));
            }
            field("pendingReplay", pending ? "yes" : "no");
        }

        @Override
        public void beginTree(String what, long root, int height) throws IOException {
            heading(what, " (root " + style.block(root) + ", height " + height + ")" + (root == 0 ? ": empty" : ""));
        }

        @Override
        public void node(Node n) throws IOException {
            NodeLayout layout = n.layout();
            // A snapshot's tree records snapshotId << 40 | inode: spelled out, as no reader does that in its head.
            String owner = n.owner >>> 40 == 0 ? Long.toString(n.owner)
                    : n.owner + " (snapshot " + (n.owner >>> 40) + ", inode " + (n.owner & ((1L << 40) - 1)) + ")";
            out.write("  node " + style.block(n.block) + " " + style.tag(layout.tag().name()) + " level " + n.level
                    + " entries " + n.count + " owner " + owner + " next " + style.block(n.next) + " prev "
                    + style.block(n.prev) + "\n");
            boolean names = layout.tag() == Tag.NIDX;
            StringBuilder line = new StringBuilder(96);
            for (int i = 0; i < n.count; i++) {
                line.setLength(0);
                line.append("    ");
                if (!n.isLeaf()) {
                    long k = n.keys[i];
                    line.append("key ").append(k == Long.MIN_VALUE ? "min" : names ? hex(k) : Long.toString(k))
                            .append(" child ").append(style.block(n.children[i]));
                } else if (names) {
                    line.append("hash ").append(hex(n.word(i, 0))).append(" inode ").append(n.word(i, 1));
                } else if (layout.tag() == Tag.RCNT) {
                    line.append("refcount start ").append(style.block(n.word(i, 0))).append(" blocks ")
                            .append(n.word(i, 1)).append(" count ").append(n.word(i, 2));
                } else {
                    extent(line, Extent.fromWords(new long[] {n.word(i, 0), n.word(i, 1), n.word(i, 2)}));
                }
                line.append('\n');
                out.append(line);
            }
        }

        private void extent(StringBuilder line, Extent e) {
            line.append("extent logical ").append(e.logical()).append(" start ").append(style.block(e.start()))
                    .append(" blocks ").append(e.count()).append(" flags ").append(e.flags());
            if (e.flags() != 0) {
                line.append(" (").append(flagNames(e.flags())).append(')');
            }
        }

        @Override
        public void endTree() {
        }

        @Override
        public void blockSize(int blockSize) throws IOException {
            heading("image");
            field("blockSize", blockSize);
        }

        @Override
        public void inode(Inode ino) throws IOException {
            heading("inode", " " + ino.number);
            field("name", ino.name);
            field("size", ino.size);
            field("inlineCount", ino.inline.size());
            field("treeRoot", style.block(ino.treeRoot));
            field("treeHeight", ino.treeHeight);
            field("extentCount", ino.extentCount);
            field("allocatedBlocks", ino.allocatedBlocks);
            field("createTxid", ino.createTxid);
            field("modifyTxid", ino.modifyTxid);
            field("mtimeMillis", ino.mtimeMillis + " (" + Instant.ofEpochMilli(ino.mtimeMillis) + ")");
            field("digest", ino.digest == null ? "not kept (computed from data when needed)" : ino.digest.toString());
        }

        @Override
        public void inlineExtents(List<Extent> extents) throws IOException {
            heading("extents", " (inline, " + extents.size() + ")");
            StringBuilder line = new StringBuilder(96);
            for (Extent e : extents) {
                line.setLength(0);
                line.append("  inline ");
                extent(line, e);
                line.append('\n');
                out.append(line);
            }
        }

        @Override
        public void catalog(long block, CatalogRoot c) throws IOException {
            heading("snapshot catalog", block == 0 ? " (not written: no snapshot was ever taken)"
                    : " (block " + style.block(block) + ")");
            field("snapshotCount", c.snapshotCount);
            field("nextSnapshotId", c.nextSnapshotId);
            field("listHead", style.block(c.listHead));
            field("listPages", c.listPages);
            field("refRoot", style.block(c.refRoot));
            field("refHeight", c.refHeight);
        }

        @Override
        public void snapshot(SnapshotRecord r, long listPage, List<Long> filePages, boolean inList) throws IOException {
            heading("snapshot", " " + r.id + " '" + r.name + "' (list page " + style.block(listPage) + ")");
            field("uuid", r.uuid);
            field("txid", r.txid);
            field("localTxid", r.localTxid);
            field("createdMillis", r.createdMillis + " (" + Instant.ofEpochMilli(r.createdMillis) + ")");
            field("fileCount", r.fileCount);
            field("bytes", r.bytes);
            field("extentCount", r.extentCount);
            field("dataBlocks", r.dataBlocks);
            field("metaBlocks", r.metaBlocks);
            field("digest", r.digest);
            field("filesHead", style.block(r.filesHead));
            field("filesPages", r.filesPages);
            StringBuilder pages = new StringBuilder();
            for (long p : filePages) {
                pages.append(pages.length() == 0 ? "" : " ").append(style.block(p));
            }
            field("fileTablePages", pages.length() == 0 ? "none" : pages);
        }

        @Override
        public void beginList(String key) {
        }

        @Override
        public void endList() {
        }

        @Override
        public void beginItem() {
        }

        @Override
        public void endItem() {
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }

    /** One JSON document, written as the dump goes. */
    final class Json implements DumpOutput {
        private final JsonGenerator g;

        Json(JsonGenerator g, String image) throws IOException {
            this.g = g;
            // A dump cut short by damage must not look complete: leave the document open.
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_JSON_CONTENT);
            g.writeStartObject();
            g.writeStringField("image", image);
        }

        @Override
        public void superblock(Superblock s, boolean fromLog) throws IOException {
            int slot = Superblock.slotFor(s.txid);
            g.writeObjectFieldStart("superblock");
            g.writeNumberField("block", slot);
            g.writeStringField("copy", slot == 0 ? "A" : "B");
            g.writeBooleanField("fromLog", fromLog);
            g.writeStringField("magic", "VDEIMAGE");
            g.writeNumberField("formatVersion", s.formatVersion);
            g.writeNumberField("readVersion", s.readVersion);
            g.writeNumberField("writeVersion", s.writeVersion);
            g.writeNumberField("blockSize", s.blockSize);
            g.writeNumberField("inodeSize", s.inodeSize);
            g.writeNumberField("totalBlocks", s.totalBlocks);
            g.writeStringField("uuid", String.valueOf(s.uuid));
            g.writeNumberField("txid", s.txid);
            g.writeNumberField("createdMillis", s.createdMillis);
            g.writeNumberField("freeBlocks", s.freeBlocks);
            g.writeNumberField("fileCount", s.fileCount);
            g.writeNumberField("nameRoot", s.nameRoot);
            g.writeNumberField("nameHeight", s.nameHeight);
            g.writeNumberField("inodeCount", s.inodeCount);
            g.writeNumberField("inodeHighWater", s.inodeHighWater);
            g.writeNumberField("nextInodeHint", s.nextInodeHint);
            g.writeNumberField("bitmapHighWater", s.bitmapHighWater);
            g.writeNumberField("walStart", s.walStart);
            g.writeNumberField("walBlocks", s.walBlocks);
            g.writeNumberField("bitmapStart", s.bitmapStart);
            g.writeNumberField("bitmapBlocks", s.bitmapBlocks);
            g.writeNumberField("inodeStart", s.inodeStart);
            g.writeNumberField("inodeBlocks", s.inodeBlocks);
            g.writeNumberField("snapStart", s.snapStart);
            g.writeNumberField("snapBlocks", s.snapBlocks);
            g.writeNumberField("dataStart", s.dataStart);
            g.writeNumberField("catalogBlock", s.catalogBlock);
            g.writeEndObject();
        }

        private void region(String name, String tag, long start, long blocks) throws IOException {
            g.writeStartObject();
            g.writeStringField("name", name);
            g.writeStringField("tag", tag);
            g.writeNumberField("start", start);
            g.writeNumberField("blocks", blocks);
            g.writeEndObject();
        }

        @Override
        public void regions(Superblock s) throws IOException {
            g.writeArrayFieldStart("regions");
            region("superblockA", "SUPB", 0, 1);
            region("superblockB", "SUPB", 1, 1);
            region("wal", "MWAL", s.walStart, s.walBlocks);
            region("bitmap", "BMAP", s.bitmapStart, s.bitmapBlocks);
            region("inodes", "INOD", s.inodeStart, s.inodeBlocks);
            region("snap", "SNAP", s.snapStart, s.snapBlocks);
            region("data", DATA_TAGS, s.dataStart, s.totalBlocks - s.dataStart);
            g.writeEndArray();
        }

        @Override
        public void counters(Superblock s) throws IOException {
            g.writeObjectFieldStart("counters");
            g.writeNumberField("freeBlocks", s.freeBlocks);
            g.writeNumberField("usedBlocks", s.totalBlocks - s.dataStart - s.freeBlocks);
            g.writeNumberField("files", s.fileCount);
            g.writeNumberField("inodeHighWater", s.inodeHighWater);
            g.writeNumberField("bitmapHighWater", s.bitmapHighWater);
            g.writeNumberField("txid", s.txid);
            g.writeEndObject();
        }

        @Override
        public void wal(long block, WalCodec.Header h, boolean pending) throws IOException {
            g.writeObjectFieldStart("wal");
            g.writeNumberField("block", block);
            g.writeBooleanField("readable", h != null);
            if (h != null) {
                g.writeNumberField("txid", h.txid());
                g.writeNumberField("images", h.imageCount());
                g.writeNumberField("descriptors", h.descriptorCount());
                g.writeNumberField("firstDescriptor", h.firstDescriptor());
            }
            g.writeBooleanField("pendingReplay", pending);
            g.writeEndObject();
        }

        @Override
        public void beginTree(String what, long root, int height) throws IOException {
            g.writeObjectFieldStart(switch (what) {
                case "name index" -> "nameIndex";
                case "ref-count table" -> "refCounts";
                default -> "extentTree";
            });
            g.writeNumberField("root", root);
            g.writeNumberField("height", height);
            g.writeArrayFieldStart("nodes");
        }

        @Override
        public void node(Node n) throws IOException {
            boolean names = n.layout().tag() == Tag.NIDX;
            g.writeStartObject();
            g.writeNumberField("block", n.block);
            g.writeStringField("tag", n.layout().tag().name());
            g.writeNumberField("level", n.level);
            g.writeNumberField("entries", n.count);
            g.writeNumberField("owner", n.owner);
            g.writeNumberField("next", n.next);
            g.writeNumberField("prev", n.prev);
            if (!n.isLeaf()) {
                g.writeArrayFieldStart("children");
                for (int i = 0; i < n.count; i++) {
                    g.writeStartObject();
                    if (names) {
                        g.writeStringField("key", hex(n.keys[i]));
                    } else {
                        g.writeNumberField("key", n.keys[i]);
                    }
                    g.writeNumberField("child", n.children[i]);
                    g.writeEndObject();
                }
            } else if (names) {
                g.writeArrayFieldStart("names");
                for (int i = 0; i < n.count; i++) {
                    g.writeStartObject();
                    g.writeStringField("hash", hex(n.word(i, 0)));
                    g.writeNumberField("inode", n.word(i, 1));
                    g.writeEndObject();
                }
            } else if (n.layout().tag() == Tag.RCNT) {
                g.writeArrayFieldStart("counts");
                for (int i = 0; i < n.count; i++) {
                    g.writeStartObject();
                    g.writeNumberField("start", n.word(i, 0));
                    g.writeNumberField("blocks", n.word(i, 1));
                    g.writeNumberField("count", n.word(i, 2));
                    g.writeEndObject();
                }
            } else {
                g.writeArrayFieldStart("extents");
                for (int i = 0; i < n.count; i++) {
                    extent(Extent.fromWords(new long[] {n.word(i, 0), n.word(i, 1), n.word(i, 2)}));
                }
            }
            g.writeEndArray();
            g.writeEndObject();
        }

        private void extent(Extent e) throws IOException {
            g.writeStartObject();
            g.writeNumberField("logical", e.logical());
            g.writeNumberField("start", e.start());
            g.writeNumberField("blocks", e.count());
            g.writeNumberField("flags", e.flags());
            g.writeEndObject();
        }

        @Override
        public void endTree() throws IOException {
            g.writeEndArray();
            g.writeEndObject();
        }

        @Override
        public void blockSize(int blockSize) throws IOException {
            g.writeNumberField("blockSize", blockSize);
        }

        @Override
        public void inode(Inode ino) throws IOException {
            g.writeObjectFieldStart("inode");
            g.writeNumberField("inode", ino.number);
            g.writeStringField("name", ino.name);
            g.writeNumberField("size", ino.size);
            g.writeNumberField("inlineCount", ino.inline.size());
            g.writeNumberField("treeRoot", ino.treeRoot);
            g.writeNumberField("treeHeight", ino.treeHeight);
            g.writeNumberField("extentCount", ino.extentCount);
            g.writeNumberField("allocatedBlocks", ino.allocatedBlocks);
            g.writeNumberField("createTxid", ino.createTxid);
            g.writeNumberField("modifyTxid", ino.modifyTxid);
            g.writeNumberField("mtimeMillis", ino.mtimeMillis);
            if (ino.digest == null) {
                g.writeNullField("digest");
            } else {
                g.writeStringField("digest", ino.digest.toString());
            }
            g.writeEndObject();
        }

        @Override
        public void inlineExtents(List<Extent> extents) throws IOException {
            g.writeArrayFieldStart("inlineExtents");
            for (Extent e : extents) {
                extent(e);
            }
            g.writeEndArray();
        }

        @Override
        public void catalog(long block, CatalogRoot c) throws IOException {
            g.writeObjectFieldStart("catalog");
            g.writeNumberField("block", block);
            g.writeNumberField("snapshotCount", c.snapshotCount);
            g.writeNumberField("nextSnapshotId", c.nextSnapshotId);
            g.writeNumberField("listHead", c.listHead);
            g.writeNumberField("listPages", c.listPages);
            g.writeNumberField("refRoot", c.refRoot);
            g.writeNumberField("refHeight", c.refHeight);
            g.writeEndObject();
        }

        @Override
        public void snapshot(SnapshotRecord r, long listPage, List<Long> filePages, boolean inList) throws IOException {
            if (!inList) {
                g.writeFieldName("snapshot");
            }
            g.writeStartObject();
            g.writeNumberField("id", r.id);
            g.writeStringField("name", r.name);
            g.writeStringField("uuid", String.valueOf(r.uuid));
            g.writeNumberField("txid", r.txid);
            g.writeNumberField("localTxid", r.localTxid);
            g.writeNumberField("createdMillis", r.createdMillis);
            g.writeNumberField("fileCount", r.fileCount);
            g.writeNumberField("bytes", r.bytes);
            g.writeNumberField("extentCount", r.extentCount);
            g.writeNumberField("dataBlocks", r.dataBlocks);
            g.writeNumberField("metaBlocks", r.metaBlocks);
            g.writeStringField("digest", String.valueOf(r.digest));
            g.writeNumberField("listPage", listPage);
            g.writeNumberField("filesHead", r.filesHead);
            g.writeNumberField("filesPages", r.filesPages);
            g.writeArrayFieldStart("fileTablePages");
            for (long p : filePages) {
                g.writeNumber(p);
            }
            g.writeEndArray();
            g.writeEndObject();
        }

        @Override
        public void beginList(String key) throws IOException {
            g.writeArrayFieldStart(key);
        }

        @Override
        public void endList() throws IOException {
            g.writeEndArray();
        }

        @Override
        public void beginItem() throws IOException {
            g.writeStartObject();
        }

        @Override
        public void endItem() throws IOException {
            g.writeEndObject();
        }

        /** Ends the document; call only when the dump is complete. */
        void finish() throws IOException {
            g.writeEndObject();
        }

        @Override
        public void close() throws IOException {
            g.close();
        }
    }
}
