package dev.vde.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.vde.btree.Node;
import dev.vde.btree.NodeLayout;
import dev.vde.format.Superblock;
import dev.vde.format.Tag;
import dev.vde.inode.Extent;
import dev.vde.inode.Inode;
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

    /** Flushes what was written; does not complete a document that a failure cut short. */
    @Override
    void close() throws IOException;

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
            region("data", "EXTN,NIDX", s.dataStart, s.totalBlocks - s.dataStart);
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
            out.write("  node " + style.block(n.block) + " " + style.tag(layout.tag().name()) + " level " + n.level
                    + " entries " + n.count + " owner " + n.owner + " next " + style.block(n.next) + " prev "
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
            region("data", "EXTN,NIDX", s.dataStart, s.totalBlocks - s.dataStart);
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
            g.writeObjectFieldStart(what.equals("name index") ? "nameIndex" : "extentTree");
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
