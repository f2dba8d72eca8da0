package dev.vde.check;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vde.btree.BTree;
import dev.vde.cli.Io;
import dev.vde.cli.Main;
import dev.vde.format.BlockTrailer;
import dev.vde.format.LE;
import dev.vde.format.Superblock;
import dev.vde.format.Tag;
import dev.vde.image.Image;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.RandomAccessFile;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fsck through the command line on images damaged in each kind of block. */
class FsckCliTest {
    private static final int BS = 512;

    @TempDir
    Path dir;
    private Path img;
    private byte[] tree;
    private long treeRoot;
    private long leaf;
    private Superblock sb;

    record Run(int status, String out, String err) {
    }

    private Run vde(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new Io(new ByteArrayInputStream(new byte[0]), out, err), args);
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private byte[] cat(String name) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = Main.run(new Io(new ByteArrayInputStream(new byte[0]), out, new ByteArrayOutputStream()),
                "cat", img.toString(), name);
        assertThat(status).isZero();
        return out.toByteArray();
    }

    private String sha() throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(img)));
    }

    /** An image with small files and one file whose extent tree has two levels. */
    @BeforeEach
    void build() throws Exception {
        img = dir.resolve("d.vde");
        Image.create(img, 32 << 20, BS, 0, false);
        Random rnd = new Random(1);
        tree = new byte[40 * 2 * BS];
        try (Image i = Image.open(img, true)) {
            for (int f = 0; f < 5; f++) {
                byte[] d = new byte[700];
                rnd.nextBytes(d);
                i.write("small" + f, 0, false, Channels.newChannel(new ByteArrayInputStream(d)));
            }
            rnd.nextBytes(tree);
            for (int k = 0; k < 40; k++) {
                // every other block, in a separate transaction each: 40 extents, a tree of height 2
                i.write("tree", 2L * k * BS, false,
                        Channels.newChannel(new ByteArrayInputStream(tree, 2 * k * BS, BS)));
            }
            BTree t = i.extents("tree").tree();
            assertThat(t.height()).isEqualTo(2);
            treeRoot = t.root();
            leaf = t.loadNode(treeRoot, 1).children[1];
            sb = i.superblock();
        }
        assertThat(vde("fsck", img.toString()).status()).isZero();
    }

    private void damage(long block, Consumer<byte[]> change, boolean reseal, Tag tag) throws Exception {
        try (RandomAccessFile raf = new RandomAccessFile(img.toFile(), "rw")) {
            byte[] b = new byte[BS];
            raf.seek(block * BS);
            raf.readFully(b);
            change.accept(b);
            if (reseal) {
                BlockTrailer.seal(b, tag, sb.txid);
            }
            raf.seek(block * BS);
            raf.write(b);
        }
    }

    private void flip(long block, int offset) throws Exception {
        damage(block, b -> b[offset] ^= 0x04, false, null);
    }

    /** fsck finds it (status 4, the block named, file unchanged), --repair fixes it (1), a recheck is clean (0). */
    private Run checkRepairRecheck(String expectInReport) throws Exception {
        String before = sha();
        Run check = vde("fsck", img.toString());
        assertThat(check.status()).as(check.out()).isEqualTo(4);
        assertThat(check.out()).contains(expectInReport);
        assertThat(sha()).as("fsck without --repair writes nothing").isEqualTo(before);
        Run repair = vde("fsck", img.toString(), "--repair");
        assertThat(repair.status()).as(repair.out() + repair.err()).isEqualTo(1);
        Run again = vde("fsck", img.toString());
        assertThat(again.status()).as(again.out()).isZero();
        return repair;
    }

    /** The tree file reads back exactly: data in the even blocks, holes in the odd ones. */
    private void treeFileIsIntact() throws Exception {
        byte[] expected = java.util.Arrays.copyOf(tree, 79 * BS);
        for (int k = 0; k < 39; k++) {
            java.util.Arrays.fill(expected, (2 * k + 1) * BS, (2 * k + 2) * BS, (byte) 0);
        }
        assertThat(cat("tree")).isEqualTo(expected);
    }

    @Test
    void aDamagedSuperblockCopyIsRewritten() throws Exception {
        flip((sb.txid + 1) & 1, 100);
        checkRepairRecheck("block " + ((sb.txid + 1) & 1) + " (superblock)");
        treeFileIsIntact();
    }

    @Test
    void aZeroedSuperblockCopyIsRewritten() throws Exception {
        // the older copy: the newer one is also in the committed log, which would restore it
        long older = (sb.txid + 1) & 1;
        damage(older, b -> java.util.Arrays.fill(b, (byte) 0), false, null);
        checkRepairRecheck("block " + older + " (superblock)");
        treeFileIsIntact();
    }

    @Test
    void theNewestSuperblockCopyIsRestoredFromTheCommittedLog() throws Exception {
        long newest = sb.txid & 1;
        damage(newest, b -> java.util.Arrays.fill(b, (byte) 0), false, null);
        Run r = vde("fsck", img.toString());
        assertThat(r.status()).as(r.out()).isZero();
        assertThat(r.out()).contains("note: block " + newest + " (superblock)").contains("pending log rewrites");
        assertThat(vde("fsck", img.toString(), "--repair").status()).isEqualTo(1);
        assertThat(vde("fsck", img.toString()).out()).contains("no problems");
        treeFileIsIntact();
    }

    @Test
    void aDamagedBitmapBlockIsRebuilt() throws Exception {
        flip(sb.bitmapStart, 10);
        checkRepairRecheck("block " + sb.bitmapStart + " (bitmap)");
        treeFileIsIntact();
    }

    @Test
    void aDamagedInodeBlockLosesItsFilesAndNamesThem() throws Exception {
        flip(sb.inodeStart, 300);
        Run repair = checkRepairRecheck("block " + sb.inodeStart + " (inode table)");
        assertThat(repair.out()).contains("removed inode 1");
        assertThat(vde("ls", img.toString()).out()).doesNotContain("small0").contains("tree");
    }

    @Test
    void aDamagedNameIndexIsRebuiltFromTheInodes() throws Exception {
        flip(sb.nameRoot, 40);
        checkRepairRecheck("block " + sb.nameRoot + " (name index)");
        assertThat(vde("ls", img.toString()).out().lines()).hasSize(6);
        treeFileIsIntact();
    }

    @Test
    void aDamagedExtentLeafLosesTheFileAndNamesIt() throws Exception {
        flip(leaf, 60);
        Run repair = checkRepairRecheck("block " + leaf + " (extent tree, inode 6 'tree')");
        assertThat(repair.out()).contains("removed inode 6 'tree'");
        assertThat(vde("cat", img.toString(), "tree").status()).isEqualTo(3);
    }

    @Test
    void aBrokenSiblingLinkIsRelinked() throws Exception {
        damage(leaf, b -> LE.i64(b, 24, 0), true, Tag.EXTN);
        checkRepairRecheck("sibling");
        treeFileIsIntact();
    }

    @Test
    void aLeakedBlockIsHarmlessAndFreed() throws Exception {
        long free = sb.totalBlocks - 1;
        long page = free / sb.bitsPerBitmapBlock();
        long bit = free % sb.bitsPerBitmapBlock();
        // the last block of the image, marked in use, referenced by nothing
        damage(sb.bitmapStart + page, b -> b[(int) (bit / 8)] |= (byte) (1 << (bit % 8)), true, Tag.BMAP);
        Run r = checkRepairRecheck("harmless: block " + free);
        assertThat(r.out()).contains("marked in use but referenced by nothing");
    }

    @Test
    void aBlockUsedTwiceIsCopiedForTheSecondHolder() throws Exception {
        // inode 2 ('small1') is made to point at inode 1's data block
        int per = sb.inodesPerBlock();
        assertThat(per).isEqualTo(1);
        long[] firstBlock = new long[1];
        damage(sb.inodeStart, b -> firstBlock[0] = LE.i64(b, 80), false, null);
        damage(sb.inodeStart + 1, b -> LE.i64(b, 80, firstBlock[0]), true, Tag.INOD);
        byte[] small0 = cat("small0");
        assertThat(cat("small1")).as("both read the shared blocks").isEqualTo(small0);
        Run r = checkRepairRecheck("also held by");
        assertThat(r.out()).doesNotContain("removed").contains("its own copy");
        assertThat(cat("small0")).isEqualTo(small0);
        assertThat(cat("small1")).as("the second holder keeps what it read, in blocks of its own").isEqualTo(small0);
        try (Image i = Image.open(img, false)) {
            long[] p0 = new long[1];
            long[] p1 = new long[1];
            i.extents("small0").forEach(0, e -> (p0[0] = e.start()) >= 0 && false);
            i.extents("small1").forEach(0, e -> (p1[0] = e.start()) >= 0 && false);
            assertThat(p1[0]).isNotEqualTo(p0[0]);
        }
    }

    @Test
    void aDamagedLogHeaderIsHarmlessAndRewritten() throws Exception {
        flip(sb.walStart, 20);
        checkRepairRecheck("block " + sb.walStart + " (WAL header)");
    }

    @Test
    void jsonReportParsesAndCarriesEveryField() throws Exception {
        flip(sb.bitmapStart, 10);
        Run r = vde("fsck", img.toString(), "--json");
        assertThat(r.status()).isEqualTo(4);
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertThat(doc.get("status").asInt()).isEqualTo(4);
        assertThat(doc.get("clean").asBoolean()).isFalse();
        assertThat(doc.get("files").asInt()).isEqualTo(6);
        assertThat(doc.get("summary").get("damage").asInt()).isEqualTo(1);
        JsonNode f = doc.get("findings").get(0);
        for (String field : new String[] {"kind", "severity", "block", "structure", "inode", "name", "message", "repaired"}) {
            assertThat(f.has(field)).as(field).isTrue();
        }
        assertThat(f.get("kind").asText()).isEqualTo("bad-block");
        assertThat(f.get("block").asLong()).isEqualTo(sb.bitmapStart);
        Run fixed = vde("fsck", img.toString(), "--repair", "--json");
        JsonNode d2 = new ObjectMapper().readTree(fixed.out());
        assertThat(d2.get("status").asInt()).isEqualTo(1);
        assertThat(d2.get("findings").get(0).get("repaired").asBoolean()).isTrue();
    }

    @Test
    void anImageOfANewerFormatCannotBeChecked() throws Exception {
        for (long slot = 0; slot < 2; slot++) {
            damage(slot, b -> dev.vde.format.LE.u16(b, 10, 2), true, Tag.SUPB);
        }
        String before = sha();
        Run r = vde("fsck", img.toString(), "--repair");
        assertThat(r.status()).isEqualTo(8);
        assertThat(r.err()).startsWith("vde: error: unsupported: ").hasLineCount(1);
        assertThat(sha()).isEqualTo(before);
    }

    @Test
    void helpListsEveryFindingKindUnderItsSeverity() {
        String help = vde("fsck", "--help").out().replaceAll("\\s+", " ");
        String kinds = help.substring(help.indexOf("Finding kinds"), help.indexOf("Exit status"));
        String damage = kinds.substring(kinds.indexOf("damage:"), kinds.indexOf("harmless:"));
        String harmless = kinds.substring(kinds.indexOf("harmless:"), kinds.indexOf("notes:"));
        String notes = kinds.substring(kinds.indexOf("notes:"));
        for (Kind k : Kind.values()) {
            String group = switch (k.severity()) {
                case DAMAGE -> damage;
                case HARMLESS -> harmless;
                case NOTE -> notes;
            };
            assertThat(group).as(k.code()).containsPattern("[ :]" + java.util.regex.Pattern.quote(k.code()) + "[,;.]");
        }
    }

    /** A snapshot whose file table cannot be read: fsck names the page, --repair drops the snapshot and says so. */
    @Test
    void aSnapshotThatCannotBeKeptIsNamedInTheReport() throws Exception {
        long page;
        try (Image i = Image.open(img, true)) {
            i.createSnapshot("before");
            i.write("small0", 0, false, Channels.newChannel(new ByteArrayInputStream(new byte[BS])));
            i.createSnapshot("after");
            var r = new dev.vde.snapshot.Catalog(i.view()).find("before");
            page = r.filesHead;
        }
        assertThat(vde("fsck", img.toString()).status()).isZero();
        flip(page, 100);
        Run check = vde("fsck", img.toString(), "--json");
        assertThat(check.status()).isEqualTo(4);
        JsonNode doc = new ObjectMapper().readTree(check.out());
        assertThat(doc.get("findings")).anySatisfy(f -> {
            assertThat(f.get("kind").asText()).isEqualTo("bad-block");
            assertThat(f.get("block").asLong()).isEqualTo(page);
            assertThat(f.get("structure").asText()).isEqualTo("snapshot 'before' file table");
        });
        Run repair = vde("fsck", img.toString(), "--repair", "--json");
        assertThat(repair.status()).as(repair.out()).isEqualTo(1);
        JsonNode removed = new ObjectMapper().readTree(repair.out()).get("removed");
        assertThat(removed).hasSize(1);
        assertThat(removed.get(0).asText()).startsWith("snapshot 'before' (");
        assertThat(vde("fsck", img.toString()).status()).isZero();
        treeFileIsIntact();
        byte[] live = cat("small0");
        try (Image i = Image.open(img, false)) {
            assertThat(i.snapshots()).extracting(dev.vde.image.SnapshotInfo::name).containsExactly("after");
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            i.cat("small0", "after", Channels.newChannel(out));
            assertThat(out.toByteArray()).hasSize(700).startsWith(new byte[BS]).isEqualTo(live);
        }
    }

    @Test
    void notAnImageCannotBeChecked() throws Exception {
        Path junk = Files.write(dir.resolve("junk"), new byte[4096]);
        Run r = vde("fsck", junk.toString());
        assertThat(r.status()).isEqualTo(8);
        assertThat(r.err()).startsWith("vde: error: ").hasLineCount(1);
    }
}
