package dev.vde.cli;

import static dev.vde.cli.CliTest.fails;
import static dev.vde.cli.CliTest.ok;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vde.format.CatalogRoot;
import dev.vde.format.Superblock;
import dev.vde.format.Tag;
import dev.vde.image.Image;
import dev.vde.image.SnapshotInfo;
import dev.vde.inode.Extent;
import dev.vde.inode.Inode;
import dev.vde.snapshot.Catalog;
import dev.vde.snapshot.SnapshotRecord;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code vde dump-tree}: the snapshot catalog, the ref-count table, and a snapshot's files with --snapshot. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DumpTreeSnapshotTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BS = 512;
    private static final Pattern REFCOUNT = Pattern.compile("(?m)^    refcount start (\\d+) blocks (\\d+) count (\\d+)$");

    @TempDir
    Path dir;
    Path img;

    private static void write(Image i, String name, long offset, int length, int seed) throws IOException {
        byte[] b = new byte[length];
        new java.util.Random(seed).nextBytes(b);
        i.write(name, offset, false, Channels.newChannel(new ByteArrayInputStream(b)));
    }

    /** "tree" (12 one-block extents: a tree), "a", two snapshots, and changes between them: shared blocks. */
    @BeforeEach
    void build() throws IOException {
        img = dir.resolve("snaps.vde");
        Image.create(img, 4 << 20, BS, 0, false);
        try (Image i = Image.open(img, true)) {
            for (int k = 0; k < 12; k++) {
                write(i, "tree", 2L * k * BS, BS, k);
            }
            write(i, "a", 0, 3000, 100);
            i.createSnapshot("s1");
            write(i, "a", BS, BS, 101);
            write(i, "b", 0, 700, 102);
            i.createSnapshot("nightly");
            write(i, "tree", 0, BS, 103);
        }
    }

    @Test
    void theImageDumpShowsTheCatalogEverySnapshotAndTheRefCountTable() throws IOException {
        Superblock sb;
        CatalogRoot root;
        List<SnapshotInfo> infos;
        List<SnapshotRecord> records;
        List<List<Long>> pages = new ArrayList<>();
        List<Long> listPages = new ArrayList<>();
        List<long[]> entries;
        try (Image i = Image.open(img, false)) {
            sb = i.superblock();
            root = i.view().catalog();
            infos = i.snapshots();
            Catalog c = new Catalog(i.view());
            records = c.list();
            for (SnapshotRecord r : records) {
                List<Long> p = new ArrayList<>();
                c.forEachPage(r.filesHead, r.filesPages, "files", Tag.SFIL, p::add);
                pages.add(p);
            }
            c.forEachPage(root.listHead, root.listPages, "list", Tag.SLST, listPages::add);
            entries = i.refCounts().entries();
        }
        assertThat(entries).as("blocks are shared").isNotEmpty();
        assertThat(pages.get(1)).as("one file per page at 512 bytes").hasSize(3);

        String out = ok("dump-tree", img.toString()).out();
        assertThat(out).containsPattern("(?m)^  catalogBlock +" + sb.snapStart + "$")
                .contains("snapshot catalog (block " + sb.snapStart + ")\n")
                .containsPattern("(?m)^  snapshotCount +2$")
                .containsPattern("(?m)^  nextSnapshotId +3$")
                .containsPattern("(?m)^  listHead +" + root.listHead + "$")
                .containsPattern("(?m)^  listPages +" + root.listPages + "$")
                .containsPattern("(?m)^  refRoot +" + root.refRoot + "$")
                .containsPattern("(?m)^  refHeight +" + root.refHeight + "$");
        for (int k = 0; k < 2; k++) {
            SnapshotInfo s = infos.get(k);
            String section = out.substring(out.indexOf("snapshot " + s.id() + " '" + s.name() + "' (list page "
                    + listPages.get(k) + ")\n"));
            assertThat(section).containsPattern("(?m)^  uuid +" + s.uuid() + "$")
                    .containsPattern("(?m)^  txid +" + s.txid() + "$")
                    .containsPattern("(?m)^  createdMillis +" + s.createdMillis() + " \\(")
                    .containsPattern("(?m)^  fileCount +" + s.fileCount() + "$")
                    .containsPattern("(?m)^  digest +" + s.digest() + "$")
                    .containsPattern("(?m)^  filesHead +" + records.get(k).filesHead + "$")
                    .containsPattern("(?m)^  fileTablePages +" + String.join(" ",
                            pages.get(k).stream().map(String::valueOf).toList()) + "$");
        }
        assertThat(out).contains("ref-count table (root " + root.refRoot + ", height " + root.refHeight + ")\n")
                .contains("  node " + root.refRoot + " RCNT level 0 ");
        List<long[]> dumped = new ArrayList<>();
        Matcher m = REFCOUNT.matcher(out);
        while (m.find()) {
            dumped.add(new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3))});
        }
        assertThat(dumped).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(entries);

        JsonNode doc = JSON.readTree(ok("dump-tree", img.toString(), "--json").stdout());
        assertThat(doc.at("/superblock/catalogBlock").asLong()).isEqualTo(sb.snapStart);
        JsonNode cat = doc.get("catalog");
        assertThat(cat.get("block").asLong()).isEqualTo(sb.snapStart);
        assertThat(cat.get("snapshotCount").asLong()).isEqualTo(2);
        assertThat(cat.get("nextSnapshotId").asLong()).isEqualTo(3);
        assertThat(cat.get("refRoot").asLong()).isEqualTo(root.refRoot);
        JsonNode snaps = doc.get("snapshots");
        assertThat(snaps).hasSize(2);
        for (int k = 0; k < 2; k++) {
            JsonNode j = snaps.get(k);
            SnapshotInfo s = infos.get(k);
            assertThat(j.get("id").asLong()).isEqualTo(s.id());
            assertThat(j.get("name").asText()).isEqualTo(s.name());
            assertThat(j.get("uuid").asText()).isEqualTo(s.uuid().toString());
            assertThat(j.get("txid").asLong()).isEqualTo(s.txid());
            assertThat(j.get("createdMillis").asLong()).isEqualTo(s.createdMillis());
            assertThat(j.get("fileCount").asLong()).isEqualTo(s.fileCount());
            assertThat(j.get("digest").asText()).isEqualTo(s.digest().toString());
            assertThat(j.get("metaBlocks").asLong()).isEqualTo(s.metaBlocks());
            assertThat(j.get("listPage").asLong()).isEqualTo(listPages.get(k));
            assertThat(j.get("filesPages").asLong()).isEqualTo(pages.get(k).size());
            List<Long> fromJson = new ArrayList<>();
            j.get("fileTablePages").forEach(p -> fromJson.add(p.asLong()));
            assertThat(fromJson).isEqualTo(pages.get(k));
        }
        JsonNode refs = doc.get("refCounts");
        assertThat(refs.get("root").asLong()).isEqualTo(root.refRoot);
        List<long[]> fromJson = new ArrayList<>();
        for (JsonNode node : refs.get("nodes")) {
            assertThat(node.get("tag").asText()).isEqualTo("RCNT");
            assertThat(node.get("owner").asLong()).isZero();
            node.get("counts").forEach(e -> fromJson.add(new long[] {e.get("start").asLong(), e.get("blocks").asLong(),
                e.get("count").asLong()}));
        }
        assertThat(fromJson).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(entries);
    }

    @Test
    void beforeTheFirstSnapshotTheCatalogIsEmpty() throws IOException {
        Path fresh = dir.resolve("fresh.vde");
        ok("format", fresh.toString(), "--size", "1M");
        String out = ok("dump-tree", fresh.toString()).out();
        assertThat(out).contains("snapshot catalog (not written: no snapshot was ever taken)\n")
                .containsPattern("(?m)^  snapshotCount +0$").doesNotContain("snapshot 1 ")
                .contains("ref-count table (root 0, height 0): empty\n");
        JsonNode doc = JSON.readTree(ok("dump-tree", fresh.toString(), "--json").stdout());
        assertThat(doc.at("/catalog/block").asLong()).isZero();
        assertThat(doc.get("snapshots")).isEmpty();
        assertThat(doc.at("/refCounts/root").asLong()).isZero();
        assertThat(doc.at("/refCounts/nodes")).isEmpty();
    }

    @Test
    void aFrozenFileDumpsItsOwnTreeWithSharedCow() throws IOException {
        List<Extent> want = new ArrayList<>();
        Inode frozen;
        try (Image i = Image.open(img, false)) {
            i.extents("tree", "s1").forEach(0, want::add);
            frozen = i.snapshotFiles("s1").stream().filter(f -> f.name.equals("tree")).findFirst().orElseThrow();
            List<Extent> live = new ArrayList<>();
            i.extents("tree").forEach(0, live::add);
            assertThat(live).as("the live file has changed since").isNotEqualTo(want);
        }
        assertThat(want).hasSize(12).allSatisfy(e -> assertThat(e.flags()).isEqualTo(Extent.SHARED_COW));
        long owner = 1L << 40 | frozen.number;

        String out = ok("dump-tree", img.toString(), "tree", "--snapshot", "s1").out();
        assertThat(out).startsWith("image\n").contains("snapshot 1 's1' (list page ", "inode " + frozen.number + "\n",
                "extent tree (root " + frozen.treeRoot + ", height 1)\n",
                "  node " + frozen.treeRoot + " EXTN level 0 entries 12 owner " + owner + " (snapshot 1, inode "
                        + frozen.number + ") next 0 prev 0\n");
        assertThat(DumpTreeTest.parseExtents(out)).containsExactlyElementsOf(want);
        assertThat(out).contains(" flags 16 (shared-cow)\n");
        assertThat(ok("dump-tree", img.toString(), "--inode", String.valueOf(frozen.number), "--snapshot", "s1").out())
                .isEqualTo(out);

        JsonNode doc = JSON.readTree(ok("dump-tree", img.toString(), "tree", "--snapshot", "s1", "--json").stdout());
        assertThat(doc.get("blockSize").asInt()).isEqualTo(BS);
        assertThat(doc.at("/snapshot/name").asText()).isEqualTo("s1");
        assertThat(doc.at("/inode/name").asText()).isEqualTo("tree");
        JsonNode node = doc.at("/extentTree/nodes/0");
        assertThat(node.get("owner").asLong()).isEqualTo(owner);
        List<Extent> fromJson = new ArrayList<>();
        node.get("extents").forEach(e -> fromJson.add(new Extent(e.get("start").asLong(), e.get("blocks").asInt(),
                e.get("flags").asInt(), e.get("logical").asLong())));
        assertThat(fromJson).containsExactlyElementsOf(want);
    }

    @Test
    void withoutANameEveryFrozenFileIsDumped() throws IOException {
        List<Inode> files;
        try (Image i = Image.open(img, false)) {
            files = i.snapshotFiles("nightly");
        }
        assertThat(files).extracting(f -> f.name).containsExactly("tree", "a", "b");
        String out = ok("dump-tree", img.toString(), "--snapshot", "nightly").out();
        assertThat(out).contains("snapshot 2 'nightly' (list page ");
        int at = 0;
        for (Inode f : files) {
            int i = out.indexOf("inode " + f.number + "\n", at);
            assertThat(i).as("inode %d after the one before", f.number).isGreaterThan(at);
            at = i;
        }
        assertThat(out).contains("extents (inline, 1)\n");
        JsonNode doc = JSON.readTree(ok("dump-tree", img.toString(), "--snapshot", "nightly", "--json").stdout());
        assertThat(doc.at("/snapshot/fileCount").asLong()).isEqualTo(3);
        JsonNode jf = doc.get("files");
        assertThat(jf).hasSize(3);
        assertThat(jf.get(0).at("/inode/name").asText()).isEqualTo("tree");
        assertThat(jf.get(0).has("extentTree")).isTrue();
        assertThat(jf.get(2).at("/inode/name").asText()).isEqualTo("b");
        assertThat(jf.get(2).get("inlineExtents")).hasSize(1);
        assertThat(jf.get(2).at("/inlineExtents/0/flags").asInt()).isEqualTo(Extent.SHARED_COW);
    }

    @Test
    void aMissingSnapshotOrFrozenFileIsNotFound() {
        assertThat(fails(ExitCodes.NOT_FOUND, "dump-tree", img.toString(), "--snapshot", "nope").stderr())
                .contains("no snapshot named 'nope'");
        assertThat(fails(ExitCodes.NOT_FOUND, "dump-tree", img.toString(), "b", "--snapshot", "s1").stderr())
                .contains("no file named 'b' in snapshot 's1'");
        fails(ExitCodes.NOT_FOUND, "dump-tree", img.toString(), "b", "--snapshot", "s1", "--json");
        assertThat(fails(ExitCodes.NOT_FOUND, "dump-tree", img.toString(), "--inode", "99", "--snapshot", "s1").stderr())
                .contains("no file with inode 99 in snapshot 's1'");
        fails(ExitCodes.USAGE, "dump-tree", img.toString(), "a", "--inode", "2", "--snapshot", "s1");
        fails(ExitCodes.USAGE, "dump-tree", img.toString(), "--snapshot");
    }

    @Test
    void helpDescribesTheSnapshotOption() {
        assertThat(ok("dump-tree", "--help").out()).contains("--snapshot", "refCounts", "fileTablePages", "snapshots");
    }
}
