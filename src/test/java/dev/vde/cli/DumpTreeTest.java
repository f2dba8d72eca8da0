package dev.vde.cli;

import static dev.vde.cli.CliTest.bytes;
import static dev.vde.cli.CliTest.fails;
import static dev.vde.cli.CliTest.ok;
import static dev.vde.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vde.format.Superblock;
import dev.vde.image.Image;
import dev.vde.inode.Extent;
import dev.vde.inode.FileExtents;
import dev.vde.inode.NameIndex;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code vde dump-tree}, in-process as {@link CliTest} drives commands. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DumpTreeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern EXTENT = Pattern.compile(
            "^ {2,4}(?:inline )?extent logical (\\d+) start (\\d+) blocks (\\d+) flags (\\d+)(?: \\([a-z,-]+\\))?$",
            Pattern.MULTILINE);
    private static final Pattern NODE = Pattern.compile(
            "^  node (\\d+) EXTN level (\\d+) entries (\\d+) owner (\\d+) next (\\d+) prev (\\d+)$", Pattern.MULTILINE);

    @TempDir
    Path dir;
    Path img;

    @BeforeEach
    void formatImage() {
        img = dir.resolve("disk.vde");
        ok("format", img.toString(), "--size", "1M");
    }

    private Path treeImage(int n) throws IOException {
        return treeImage(dir.resolve("small-blocks.vde"), n);
    }

    /**
     * A 512-byte-block image at {@code p} with a one-byte file "first" and a file "tree" of {@code n} one-block extents
     * at every other block: a tree of height >= 2 from about 30 on.
     */
    static Path treeImage(Path p, int n) throws IOException {
        ok("format", p.toString(), "--size", "2M", "--block-size", "512");
        try (Image image = Image.open(p, true)) {
            image.write("first", 0, false, Channels.newChannel(new ByteArrayInputStream(bytes("x"))));
            for (int i = 0; i < n; i++) {
                byte[] block = new byte[512];
                block[0] = (byte) i;
                image.write("tree", 2L * i * 512, false, Channels.newChannel(new ByteArrayInputStream(block)));
            }
        }
        return p;
    }

    private static List<Extent> extentsOf(Path p, String name) throws IOException {
        List<Extent> all = new ArrayList<>();
        try (Image image = Image.open(p, false)) {
            image.extents(name).forEach(0, e -> all.add(e));
        }
        return all;
    }

    /** Every extent line of a text dump, in order. */
    static List<Extent> parseExtents(String text) {
        List<Extent> got = new ArrayList<>();
        Matcher m = EXTENT.matcher(text);
        while (m.find()) {
            got.add(new Extent(Long.parseLong(m.group(2)), Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4)),
                    Long.parseLong(m.group(1))));
        }
        return got;
    }

    private static void flipByte(Path p, long pos) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.seek(pos);
            int b = f.read();
            f.seek(pos);
            f.write(b ^ 0x5a);
        }
    }

    @Test
    void defaultDumpShowsSuperblockRegionsCountersWalAndNameIndex() throws IOException {
        ok(bytes("a"), "write", img.toString(), "alpha");
        ok(bytes("b"), "write", img.toString(), "beta");
        ok(bytes("c"), "write", img.toString(), "gamma");
        Superblock sb;
        try (Image image = Image.open(img, false)) {
            sb = image.superblock();
        }
        String out = ok("dump-tree", img.toString()).out();
        assertThat(out).contains("superblock (block " + Superblock.slotFor(sb.txid), "regions\n", "counters\n",
                "wal header (block 2)\n", "name index (root " + sb.nameRoot + ", height 1)\n");
        for (String field : List.of("magic", "formatVersion", "readVersion", "writeVersion", "blockSize", "inodeSize",
                "totalBlocks", "uuid", "txid", "createdMillis", "freeBlocks", "fileCount", "nameRoot", "nameHeight",
                "inodeCount", "inodeHighWater", "nextInodeHint", "bitmapHighWater", "walStart", "walBlocks",
                "bitmapStart", "bitmapBlocks", "inodeStart", "inodeBlocks", "snapStart", "snapBlocks", "dataStart",
                "catalogBlock")) {
            assertThat(out).as(field).containsPattern("(?m)^  " + field + " +\\S");
        }
        assertThat(out).containsPattern("(?m)^  blockSize +4096$").containsPattern("(?m)^  uuid +" + sb.uuid + "$")
                .containsPattern("(?m)^  fileCount +3$").containsPattern("(?m)^  dataStart +" + sb.dataStart + "$");
        assertThat(out).containsPattern("(?m)^  wal +MWAL +start 2 +blocks " + sb.walBlocks + "$")
                .containsPattern("(?m)^  inodes +INOD +start " + sb.inodeStart + " +blocks " + sb.inodeBlocks + "$")
                .containsPattern("(?m)^  data +EXTN,NIDX,RCNT,SLST,SFIL +start " + sb.dataStart + " +blocks "
                        + (sb.totalBlocks - sb.dataStart) + "$");
        assertThat(out).containsPattern("(?m)^  usedBlocks +" + (sb.totalBlocks - sb.dataStart - sb.freeBlocks) + "$")
                .containsPattern("(?m)^  files +3$")
                .containsPattern("(?m)^  txid +" + sb.txid + "$")
                .containsPattern("(?m)^  pendingReplay +no$");
        assertThat(out).contains("  node " + sb.nameRoot + " NIDX level 0 entries 3 owner 0 next 0 prev 0\n");
        String[] names = {"alpha", "beta", "gamma"};
        for (int i = 0; i < names.length; i++) {
            assertThat(out).contains(String.format("    hash 0x%016x inode %d%n", NameIndex.hash(names[i]), i + 1));
        }
        assertThat(out).doesNotContain("\u001b");
    }

    @Test
    void inlineFile() throws IOException {
        ok(bytes("hello"), "write", img.toString(), "notes.txt");
        ok(bytes("there"), "write", img.toString(), "notes.txt", "--offset", "10K");
        List<Extent> want = extentsOf(img, "notes.txt");
        assertThat(want).hasSize(2);
        String out = ok("dump-tree", img.toString(), "notes.txt").out();
        assertThat(out).contains("inode 1\n", "extents (inline, 2)\n").doesNotContain("extent tree", "  node ");
        assertThat(out).containsPattern("(?m)^  name +notes.txt$").containsPattern("(?m)^  size +" + (10 * 1024 + 5) + "$")
                .containsPattern("(?m)^  treeRoot +0$").containsPattern("(?m)^  extentCount +2$");
        assertThat(parseExtents(out)).containsExactlyElementsOf(want);
        assertThat(out).contains("  inline extent logical " + want.get(1).logical() + " start " + want.get(1).start()
                + " blocks 1 flags 0\n");

        JsonNode doc = JSON.readTree(ok("dump-tree", img.toString(), "notes.txt", "--json").stdout());
        assertThat(doc.get("blockSize").asInt()).isEqualTo(4096);
        assertThat(doc.at("/inode/name").asText()).isEqualTo("notes.txt");
        assertThat(doc.at("/inode/inode").asLong()).isEqualTo(1);
        String digest;
        try (dev.vde.image.Image i = dev.vde.image.Image.open(img, false)) {
            digest = i.digest("notes.txt").toString();
        }
        assertThat(doc.at("/inode/digest").asText()).isEqualTo(digest);
        assertThat(out).containsPattern("(?m)^  digest +" + digest + "$");
        assertThat(doc.has("extentTree")).isFalse();
        JsonNode inline = doc.get("inlineExtents");
        assertThat(inline).hasSize(2);
        for (int i = 0; i < 2; i++) {
            assertThat(inline.get(i).get("logical").asLong()).isEqualTo(want.get(i).logical());
            assertThat(inline.get(i).get("start").asLong()).isEqualTo(want.get(i).start());
            assertThat(inline.get(i).get("blocks").asInt()).isEqualTo(1);
            assertThat(inline.get(i).get("flags").asInt()).isZero();
        }
    }

    @Test
    void treeFileListsEveryExtentOnceNodeByNode() throws IOException {
        Path p = treeImage(60);
        List<Extent> want = extentsOf(p, "tree");
        assertThat(want).hasSize(60);
        long root;
        int height;
        try (Image image = Image.open(p, false)) {
            FileExtents map = image.extents("tree");
            root = map.tree().root();
            height = map.tree().height();
        }
        assertThat(height).isGreaterThanOrEqualTo(2);

        String out = ok("dump-tree", p.toString(), "tree").out();
        assertThat(out).contains("inode 2\n", "extent tree (root " + root + ", height " + height + ")\n");
        assertThat(out).containsPattern("(?m)^  extentCount +60$").containsPattern("(?m)^  treeHeight +" + height + "$");
        assertThat(parseExtents(out)).as("every extent exactly once, in order").containsExactlyElementsOf(want);

        // nodes: the root first, parents before children; every child pointer names a node printed after it
        Matcher m = NODE.matcher(out);
        List<Long> blocks = new ArrayList<>();
        Map<Long, Integer> levels = new HashMap<>();
        int leafEntries = 0;
        while (m.find()) {
            long b = Long.parseLong(m.group(1));
            blocks.add(b);
            levels.put(b, Integer.parseInt(m.group(2)));
            assertThat(Long.parseLong(m.group(4))).as("owner").isEqualTo(2);
            if (m.group(2).equals("0")) {
                leafEntries += Integer.parseInt(m.group(3));
            }
        }
        assertThat(blocks.get(0)).isEqualTo(root);
        assertThat(levels.get(root)).isEqualTo(height - 1);
        assertThat(leafEntries).isEqualTo(60);
        Matcher child = Pattern.compile("(?m)^    key (min|\\d+) child (\\d+)$").matcher(out);
        int children = 0;
        while (child.find()) {
            assertThat(blocks).contains(Long.parseLong(child.group(2)));
            children++;
        }
        assertThat(children).isEqualTo(blocks.size() - 1);

        // JSON: the same nodes and extents, each node carrying its block
        JsonNode doc = JSON.readTree(ok("dump-tree", p.toString(), "tree", "--json").stdout());
        assertThat(doc.get("blockSize").asInt()).isEqualTo(512);
        JsonNode tree = doc.get("extentTree");
        assertThat(tree.get("root").asLong()).isEqualTo(root);
        assertThat(tree.get("height").asInt()).isEqualTo(height);
        List<Extent> fromJson = new ArrayList<>();
        List<Long> jsonBlocks = new ArrayList<>();
        for (JsonNode node : tree.get("nodes")) {
            assertThat(node.has("block")).isTrue();
            jsonBlocks.add(node.get("block").asLong());
            assertThat(node.get("tag").asText()).isEqualTo("EXTN");
            assertThat(node.get("owner").asLong()).isEqualTo(2);
            if (node.get("level").asInt() == 0) {
                assertThat(node.has("children")).isFalse();
                assertThat(node.get("extents")).hasSize(node.get("entries").asInt());
                for (JsonNode e : node.get("extents")) {
                    fromJson.add(new Extent(e.get("start").asLong(), e.get("blocks").asInt(), e.get("flags").asInt(),
                            e.get("logical").asLong()));
                }
            } else {
                assertThat(node.get("children")).hasSize(node.get("entries").asInt());
            }
        }
        assertThat(jsonBlocks).isEqualTo(blocks);
        assertThat(fromJson).containsExactlyElementsOf(want);
    }

    @Test
    void byInodeNumber() throws IOException {
        ok(bytes("one"), "write", img.toString(), "one");
        ok(bytes("two"), "write", img.toString(), "two");
        assertThat(ok("dump-tree", img.toString(), "--inode", "2").out())
                .isEqualTo(ok("dump-tree", img.toString(), "two").out())
                .contains("inode 2\n").containsPattern("(?m)^  name +two$");
        ok("rm", img.toString(), "one");
        assertThat(fails(ExitCodes.NOT_FOUND, "dump-tree", img.toString(), "--inode", "1").stderr())
                .contains("no file with inode 1");
        fails(ExitCodes.NOT_FOUND, "dump-tree", img.toString(), "--inode", "999999");
        fails(ExitCodes.USAGE, "dump-tree", img.toString(), "--inode", "0");
        fails(ExitCodes.USAGE, "dump-tree", img.toString(), "two", "--inode", "2");
        fails(ExitCodes.USAGE, "dump-tree", img.toString(), "--inode", "x");
    }

    @Test
    void missingNameOrImage() {
        assertThat(fails(ExitCodes.NOT_FOUND, "dump-tree", img.toString(), "nope").stderr()).contains("nope");
        fails(ExitCodes.NOT_FOUND, "dump-tree", img.toString(), "nope", "--json");
        fails(ExitCodes.NOT_FOUND, "dump-tree", dir.resolve("missing.vde").toString());
    }

    @Test
    void jsonDocument() throws IOException {
        ok(bytes("a"), "write", img.toString(), "a");
        ok(bytes("b"), "write", img.toString(), "b");
        Superblock sb;
        try (Image image = Image.open(img, false)) {
            sb = image.superblock();
        }
        JsonNode doc = JSON.readTree(ok("dump-tree", img.toString(), "--json").stdout());
        assertThat(doc.get("image").asText()).isEqualTo(img.toString());
        JsonNode s = doc.get("superblock");
        assertThat(s.get("blockSize").asInt()).isEqualTo(4096);
        assertThat(s.get("block").asLong()).isEqualTo(Superblock.slotFor(sb.txid));
        assertThat(s.get("uuid").asText()).isEqualTo(sb.uuid.toString());
        assertThat(s.get("totalBlocks").asLong()).isEqualTo(sb.totalBlocks);
        assertThat(s.get("dataStart").asLong()).isEqualTo(sb.dataStart);
        assertThat(s.get("nameRoot").asLong()).isEqualTo(sb.nameRoot);
        assertThat(s.get("fromLog").asBoolean()).isFalse();
        assertThat(s.get("catalogBlock").asLong()).as("no snapshot yet").isZero();
        assertThat(s.size()).as("block, copy, fromLog and the 28 fields").isEqualTo(31);
        JsonNode regions = doc.get("regions");
        assertThat(regions).hasSize(7);
        assertThat(regions.get(2).get("name").asText()).isEqualTo("wal");
        assertThat(regions.get(2).get("start").asLong()).isEqualTo(2);
        assertThat(regions.get(6).get("blocks").asLong()).isEqualTo(sb.totalBlocks - sb.dataStart);
        assertThat(doc.at("/counters/files").asLong()).isEqualTo(2);
        assertThat(doc.at("/counters/usedBlocks").asLong()).isEqualTo(sb.totalBlocks - sb.dataStart - sb.freeBlocks);
        assertThat(doc.at("/wal/block").asLong()).isEqualTo(2);
        assertThat(doc.at("/wal/txid").asLong()).isEqualTo(sb.txid);
        assertThat(doc.at("/wal/pendingReplay").asBoolean()).isFalse();
        JsonNode index = doc.get("nameIndex");
        assertThat(index.get("root").asLong()).isEqualTo(sb.nameRoot);
        assertThat(index.get("nodes")).isNotEmpty();
        for (JsonNode node : index.get("nodes")) {
            assertThat(node.get("block").isIntegralNumber()).isTrue();
            assertThat(node.get("tag").asText()).isEqualTo("NIDX");
        }
        JsonNode leaf = index.get("nodes").get(0);
        assertThat(leaf.get("block").asLong()).isEqualTo(sb.nameRoot);
        assertThat(leaf.get("names")).hasSize(2);
        assertThat(leaf.get("names").findValuesAsText("hash")).containsExactlyInAnyOrder(
                String.format("0x%016x", NameIndex.hash("a")), String.format("0x%016x", NameIndex.hash("b")));

        // an empty image: an empty name index
        Path empty = dir.resolve("empty.vde");
        ok("format", empty.toString(), "--size", "1M");
        JsonNode e = JSON.readTree(ok("dump-tree", empty.toString(), "--json").stdout());
        assertThat(e.at("/nameIndex/root").asLong()).isZero();
        assertThat(e.at("/nameIndex/nodes")).isEmpty();
        assertThat(ok("dump-tree", empty.toString()).out()).contains("name index (root 0, height 0): empty\n");
    }

    /**
     * A committed log that is not yet home (as after a crash between the log header and the
     * superblock write): the read-only dump sees the logged state and says the log is pending.
     */
    @Test
    void pendingLogIsReported() throws IOException {
        ok(bytes("a"), "write", img.toString(), "a");
        byte[] superblocks = new byte[2 * 4096];
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "r")) {
            f.readFully(superblocks);
        }
        ok(bytes("b"), "write", img.toString(), "b");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.write(superblocks);
        }
        JsonNode doc = JSON.readTree(ok("dump-tree", img.toString(), "--json").stdout());
        assertThat(doc.at("/wal/pendingReplay").asBoolean()).isTrue();
        assertThat(doc.at("/superblock/fromLog").asBoolean()).isTrue();
        assertThat(doc.at("/superblock/txid").asLong()).isEqualTo(2);
        assertThat(doc.at("/wal/txid").asLong()).isEqualTo(2);
        assertThat(doc.at("/counters/files").asLong()).isEqualTo(2);
        String text = ok("dump-tree", img.toString()).out();
        assertThat(text).contains("superblock (from the log, copy A)").containsPattern("(?m)^  pendingReplay +yes$");
    }

    /** A damaged leaf stops the dump with status 7, after every node before it was printed. */
    @Test
    void corruptNodeAfterPartialOutput() throws IOException {
        Path p = treeImage(60);
        List<Extent> want = extentsOf(p, "tree");
        String good = ok("dump-tree", p.toString(), "tree").out();
        Matcher m = NODE.matcher(good);
        long lastLeaf = -1;
        while (m.find()) {
            if (m.group(2).equals("0")) {
                lastLeaf = Long.parseLong(m.group(1));
            }
        }
        flipByte(p, lastLeaf * 512 + 40);

        CliTest.Run r = run("dump-tree", p.toString(), "tree");
        assertThat(r.status()).isEqualTo(ExitCodes.CORRUPT);
        assertThat(r.stderr()).startsWith("vde: error: ").contains(p.toString(), "block " + lastLeaf + " (EXTN)")
                .doesNotContain("\tat ");
        assertThat(r.stderr().lines().count()).isEqualTo(1);
        String partial = r.out();
        assertThat(good).startsWith(partial);
        assertThat(partial).contains("inode 2\n", "extent tree (root ").doesNotContain("  node " + lastLeaf + " ");
        List<Extent> printed = parseExtents(partial);
        assertThat(printed).isNotEmpty();
        assertThat(want).startsWith(printed.toArray(new Extent[0]));
        assertThat(printed.size()).isLessThan(want.size());

        CliTest.Run j = run("dump-tree", p.toString(), "tree", "--json");
        assertThat(j.status()).isEqualTo(ExitCodes.CORRUPT);
        assertThat(j.out()).startsWith("{").contains("\"extentTree\"", "\"logical\" : 0,")
                .doesNotContain("\"block\" : " + lastLeaf + ",");
        assertThatThrownBy(() -> JSON.readTree(j.stdout())).as("a document cut short is left unterminated")
                .isInstanceOf(IOException.class);
    }

    @Test
    void noColourUnlessStdoutIsATerminal() throws IOException {
        Path p = treeImage(30);
        for (String[] args : List.of(new String[] {"dump-tree", p.toString()}, new String[] {"dump-tree", p.toString(),
            "tree"}, new String[] {"dump-tree", p.toString(), "--json"})) {
            assertThat(ok(args).out()).doesNotContain("\u001b");
        }
        // the decision itself
        assertThat(Style.of(true, Map.of(), fd -> true).enabled()).isTrue();
        assertThat(Style.of(true, Map.of(), fd -> true).heading("x")).contains("\u001b[").contains("x");
        assertThat(Style.of(false, Map.of(), fd -> true).enabled()).as("not the process's stdout").isFalse();
        assertThat(Style.of(true, Map.of(), fd -> false).enabled()).as("not a terminal").isFalse();
        assertThat(Style.of(true, Map.of("NO_COLOR", "1"), fd -> true).enabled()).isFalse();
        assertThat(Style.of(true, Map.of("NO_COLOR", ""), fd -> true).enabled()).isTrue();
        assertThat(Style.of(true, Map.of("TERM", "dumb"), fd -> true).enabled()).isFalse();
        assertThat(Style.PLAIN.block(42)).isEqualTo("42");
        assertThat(Style.PLAIN.heading("h")).isEqualTo("h");
    }

    @Test
    void help() {
        assertThat(ok("dump-tree", "--help").out()).contains("Usage: vde dump-tree", "--inode", "--json", "blockSize",
                "Examples:", "Exit status:");
        assertThat(ok("--help").out()).contains("dump-tree");
    }
}
