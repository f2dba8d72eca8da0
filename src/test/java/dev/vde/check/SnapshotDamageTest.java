package dev.vde.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vde.format.CatalogRoot;
import dev.vde.format.LE;
import dev.vde.format.Superblock;
import dev.vde.format.Tag;
import dev.vde.image.Image;
import dev.vde.inode.Extent;
import dev.vde.inode.Inode;
import dev.vde.snapshot.SnapshotRecord;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One targeted damage per case to the snapshot catalog, the snapshot list, a file table, a frozen
 * extent tree or the ref-count table: fsck reports it with its kind, severity and block, and
 * repair makes the image clean with every live file and every snapshot it keeps reading back
 * exactly; a snapshot it cannot keep whole it drops and names.
 */
class SnapshotDamageTest {
    /** At 512 bytes a list page holds one snapshot record and a file-table page one file. */
    private static final int BS = 512;
    /** File-table page: header 32, then 448-byte inode records (inline extents at +80, name at +176). */
    private static final int SFIL_RECORD = 32;
    /** List page: header 16, then 384-byte records. */
    private static final int SLST_RECORD = 16;

    private SnapImage s;
    private Superblock sb;

    @BeforeEach
    void build() throws Exception {
        s = SnapImage.standard(BS, 20261122L);
        sb = s.superblock();
        assertThat(s.check().findings().isClean()).isTrue();
    }

    private Checker checkFinds(Kind kind, long block, Severity severity) throws Exception {
        Checker c = s.check();
        assertThat(SnapImage.of(c, kind)).as("%s@%d in\n%s", kind.code(), block, SnapImage.describe(c))
                .anySatisfy(f -> assertThat(f.block).isEqualTo(block));
        assertThat(kind.severity()).isEqualTo(severity);
        return c;
    }

    /** The file-table page of {@code snapshot} that holds {@code name}. */
    private long pageOf(String snapshot, String name) throws Exception {
        for (long p : s.filePages(snapshot)) {
            byte[] b = s.block(p);
            int len = name.length();
            if (new String(b, SFIL_RECORD + 176, len, StandardCharsets.UTF_8).equals(name) && b[SFIL_RECORD + 176 + len] == 0) {
                return p;
            }
        }
        throw new AssertionError(name + " not in " + snapshot);
    }

    private long listPageOf(String snapshot) throws Exception {
        for (long p : s.listPages()) {
            byte[] b = s.block(p);
            int len = LE.u16(b, SLST_RECORD + 112);
            if (new String(b, SLST_RECORD + 114, len, StandardCharsets.UTF_8).equals(snapshot)) {
                return p;
            }
        }
        throw new AssertionError(snapshot + " not listed");
    }

    /** Repair drops one snapshot, named as {@code namedAs}, and keeps everything else as it was. */
    private void repairDrops(String namedAs, String snapshot) throws Exception {
        assertThat(s.repairToClean()).singleElement().asString().startsWith("snapshot '" + namedAs + "' (id ");
        s.snapshots.remove(snapshot);
        assertThat(s.diff()).isNull();
    }

    /** A run of blocks that the table counts at 2 or more. */
    private long[] sharedEntry() throws Exception {
        List<long[]> entries = s.refEntries();
        assertThat(entries).isNotEmpty();
        return entries.get(0);
    }

    /** Rewritten after the last snapshot: only the live "tree" maps it. */
    private long liveOnlyBlock() throws Exception {
        long b = s.blockAt("tree", null, 0);
        assertThat(s.blockAt("tree", "s3", 0)).isNotEqualTo(b);
        return b;
    }

    // ---- ref-count table ----

    @Test
    void aCountTooLowIsDamageAndRepairRestoresIt() throws Exception {
        long[] e = sharedEntry();
        List<long[]> before = s.refEntries();
        s.rawTransaction(t -> t.refCounts().decrement(e[0], 1));
        Checker c = checkFinds(Kind.REFCOUNT_LOW, e[0], Severity.DAMAGE);
        assertThat(SnapImage.kinds(c)).containsOnlyKeys(Kind.REFCOUNT_LOW);
        assertThat(s.repairToClean()).isEmpty();
        assertThat(s.refEntries()).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(before);
        assertThat(s.diff()).isNull();
    }

    /** What a count too low does if left alone: a snapshot's block is freed by a live delete and reused. */
    @Test
    void aCountTooLowLetsALiveDeleteFreeASnapshotsBlock() throws Exception {
        // written after the rollback, before s3: held by the live "d" and by s3 alone
        long shared = s.blockAt("d", null, BS);
        assertThat(s.blockAt("d", "s3", BS)).isEqualTo(shared);
        s.rawTransaction(t -> t.refCounts().decrement(shared, 1));
        try (Image img = Image.open(s.dev, true)) {
            img.remove("d");
            assertThat(img.view().allocator().isUsed(shared)).as("freed though snapshot s3 maps it").isFalse();
        }
        s.live.files.remove("d");
        Checker c = s.check();
        assertThat(SnapImage.of(c, Kind.USED_BUT_FREE)).anySatisfy(f -> assertThat(f.block).isEqualTo(shared));
    }

    @Test
    void aCountTooHighIsHarmless() throws Exception {
        long[] e = sharedEntry();
        long liveOnly = liveOnlyBlock();
        s.rawTransaction(t -> {
            t.refCounts().increment(e[0], 1);
            t.refCounts().increment(liveOnly, 1);
        });
        Checker c = checkFinds(Kind.REFCOUNT_HIGH, e[0], Severity.HARMLESS);
        assertThat(SnapImage.of(c, Kind.REFCOUNT_HIGH)).anySatisfy(f -> assertThat(f.block).isEqualTo(liveOnly));
        assertThat(c.findings().damage()).isZero();
        s.repairToClean();
        assertThat(s.diff()).isNull();
    }

    @Test
    void strayEntriesAreHarmless() throws Exception {
        long free = s.freeBlock();
        long liveOnly = liveOnlyBlock();
        s.rawTransaction(t -> {
            t.refCounts().tree().insert(new long[] {free, 1, 2});
            t.refCounts().tree().insert(new long[] {liveOnly, 1, 1});
        });
        Checker c = checkFinds(Kind.REFCOUNT_STRAY, free, Severity.HARMLESS);
        checkFinds(Kind.REFCOUNT_STRAY, liveOnly, Severity.HARMLESS);
        assertThat(SnapImage.kinds(c)).containsOnlyKeys(Kind.REFCOUNT_STRAY);
        s.repairToClean();
        assertThat(s.diff()).isNull();
    }

    @Test
    void overlappingAndOutOfRangeEntriesAreDamage() throws Exception {
        long[] e = sharedEntry();
        s.rawTransaction(t -> {
            t.refCounts().tree().insert(new long[] {e[0] - 1, 2, e[2]});
            t.refCounts().tree().insert(new long[] {1, 1, 2});
        });
        Checker c = checkFinds(Kind.REFCOUNT_ENTRY, e[0], Severity.DAMAGE);
        checkFinds(Kind.REFCOUNT_ENTRY, -1, Severity.DAMAGE);
        s.repairToClean();
        assertThat(s.diff()).isNull();
    }

    @Test
    void anUnreadableRefCountNodeIsRebuiltFromTheRecount() throws Exception {
        List<long[]> before = s.refEntries();
        long node = s.refNodes().get(0);
        s.flip(node, 40);
        Checker c = checkFinds(Kind.BAD_BLOCK, node, Severity.DAMAGE);
        assertThat(SnapImage.of(c, Kind.BAD_BLOCK).get(0).structure).isEqualTo("ref-count table");
        assertThat(s.repairToClean()).isEmpty();
        assertThat(s.refEntries()).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(before);
        assertThat(s.diff()).isNull();
    }

    // ---- catalog root ----

    @Test
    void anUnreadableCatalogLosesEverySnapshotButNoLiveFile() throws Exception {
        s.flip(sb.snapStart, 30);
        Checker c = checkFinds(Kind.BAD_BLOCK, sb.snapStart, Severity.DAMAGE);
        assertThat(SnapImage.of(c, Kind.LEAKED)).as("what only the snapshots held").isNotEmpty();
        List<String> removed = s.repairToClean();
        assertThat(removed).anySatisfy(r -> assertThat(r).contains("every snapshot"));
        s.snapshots.clear();
        assertThat(s.diff()).isNull();
        try (Image img = Image.open(s.dev, true)) {
            assertThat(img.refCounts().isEmpty()).isTrue();
            s.snapshot(img, "after");
        }
        assertThat(s.check().findings().isClean()).isTrue();
        assertThat(s.diff()).isNull();
    }

    @Test
    void aCatalogWithTheWrongPageCountKeepsEverySnapshot() throws Exception {
        s.patch(sb.snapStart, Tag.SNAP, b -> LE.i64(b, 24, LE.i64(b, 24) + 1));
        checkFinds(Kind.CATALOG, sb.snapStart, Severity.DAMAGE);
        assertThat(s.repairToClean()).isEmpty();
        assertThat(s.diff()).isNull();
    }

    @Test
    void aNextIdThatWouldReuseAnIdIsRaised() throws Exception {
        CatalogRoot root = s.catalog();
        long highest = s.record("s3").id;
        assertThat(root.nextSnapshotId).isGreaterThan(highest);
        s.patch(sb.snapStart, Tag.SNAP, b -> LE.i64(b, 8, highest));
        checkFinds(Kind.CATALOG, sb.snapStart, Severity.DAMAGE);
        s.repairToClean();
        assertThat(s.catalog().nextSnapshotId).isEqualTo(highest + 1);
        assertThat(s.diff()).isNull();
    }

    // ---- snapshot list ----

    @Test
    void anUnreadableListPageLosesTheSnapshotsFromThereOn() throws Exception {
        long page = listPageOf("s2");
        s.flip(page, 100);
        checkFinds(Kind.BAD_BLOCK, page, Severity.DAMAGE);
        List<String> removed = s.repairToClean();
        assertThat(removed).anySatisfy(r -> assertThat(r).contains("listed from block " + page));
        s.snapshots.remove("s2");
        s.snapshots.remove("s3");
        assertThat(s.diff()).isNull();
    }

    @Test
    void aDuplicateSnapshotNameDropsTheLaterSnapshot() throws Exception {
        long page = listPageOf("s3");
        s.patch(page, Tag.SLST, b -> b[SLST_RECORD + 115] = '2');
        Checker c = checkFinds(Kind.SNAPSHOT, page, Severity.DAMAGE);
        assertThat(SnapImage.of(c, Kind.SNAPSHOT).get(0).message).contains("same name");
        repairDrops("s2", "s3");
        assertThat(s.record("s2").id).as("the earlier one stays").isEqualTo(2);
    }

    @Test
    void aStaleRecordSummaryIsHarmlessAndRecomputed() throws Exception {
        long page = listPageOf("s2");
        SnapshotRecord before = s.record("s2");
        s.patch(page, Tag.SLST, b -> {
            LE.i64(b, SLST_RECORD + 64, before.bytes + 1);
            LE.i64(b, SLST_RECORD + 40, before.digest.a() ^ 1);
        });
        Checker c = checkFinds(Kind.SNAPSHOT_RECORD, page, Severity.HARMLESS);
        assertThat(c.findings().damage()).isZero();
        assertThat(s.repairToClean()).isEmpty();
        SnapshotRecord after = s.record("s2");
        assertThat(after.bytes).isEqualTo(before.bytes);
        assertThat(after.digest).isEqualTo(before.digest);
        assertThat(after.uuid).isEqualTo(before.uuid);
        assertThat(after.txid).isEqualTo(before.txid);
        assertThat(s.diff()).isNull();
    }

    // ---- file tables ----

    @Test
    void anUnreadableFileTablePageDropsItsSnapshotOnly() throws Exception {
        long page = s.filePages("s1").get(1);
        s.flip(page, 200);
        Checker c = checkFinds(Kind.BAD_BLOCK, page, Severity.DAMAGE);
        assertThat(SnapImage.of(c, Kind.BAD_BLOCK).get(0).structure).isEqualTo("snapshot 's1' file table");
        repairDrops("s1", "s1");
    }

    @Test
    void aFileTableChainCutShortDropsTheSnapshot() throws Exception {
        List<Long> pages = s.filePages("s1");
        s.patch(pages.get(0), Tag.SFIL, b -> LE.i64(b, 0, 0));
        checkFinds(Kind.SNAPSHOT_PAGE, pages.get(0), Severity.DAMAGE);
        checkFinds(Kind.SNAPSHOT, listPageOf("s1"), Severity.DAMAGE);
        repairDrops("s1", "s1");
    }

    @Test
    void aFileTableLongerThanItsRecordSaysIsRewrittenWhole() throws Exception {
        long listPage = listPageOf("s1");
        SnapshotRecord before = s.record("s1");
        s.patch(listPage, Tag.SLST, b -> LE.i64(b, SLST_RECORD + 96, before.filesPages - 1));
        checkFinds(Kind.SNAPSHOT_PAGE, before.filesHead, Severity.DAMAGE);
        assertThat(s.repairToClean()).isEmpty();
        assertThat(s.record("s1").filesPages).isEqualTo(before.filesPages);
        assertThat(s.diff()).isNull();
    }

    @Test
    void aFrozenInodeBeyondTheHighWaterMarkDropsTheSnapshot() throws Exception {
        long page = pageOf("s1", "a");
        long beyond = sb.inodeHighWater + 3;
        s.patch(page, Tag.SFIL, b -> LE.i64(b, SFIL_RECORD + 8, beyond));
        Checker c = checkFinds(Kind.SNAPSHOT, page, Severity.DAMAGE);
        assertThat(SnapImage.of(c, Kind.SNAPSHOT).get(0).inode).isEqualTo(beyond);
        repairDrops("s1", "s1");
    }

    // ---- frozen extents and trees ----

    @Test
    void aMissingSharedCowFlagIsHarmlessAndSetAgain() throws Exception {
        long page = pageOf("s1", "a");
        s.patch(page, Tag.SFIL, b -> LE.i32(b, SFIL_RECORD + 80 + 12, 0));
        long leaf = s.frozenTreeNodes("s2", "tree").get(1);
        s.patch(leaf, Tag.EXTN, b -> LE.i32(b, 32 + 12, 0));
        Checker c = checkFinds(Kind.SHARED_COW, -1, Severity.HARMLESS);
        assertThat(SnapImage.of(c, Kind.SHARED_COW)).extracting(f -> f.structure + " " + f.name)
                .containsExactlyInAnyOrder("snapshot 's1' extents a", "snapshot 's2' extents tree");
        assertThat(c.findings().damage()).isZero();
        assertThat(s.repairToClean()).isEmpty();
        for (String[] f : new String[][] {{"s1", "a"}, {"s2", "tree"}}) {
            try (Image img = Image.open(s.dev, false)) {
                img.extents(f[1], f[0]).forEach(0, e -> {
                    assertThat(e.flags() & Extent.SHARED_COW).isNotZero();
                    return true;
                });
            }
        }
        assertThat(s.diff()).isNull();
    }

    @Test
    void anUnreadableFrozenTreeNodeDropsItsSnapshot() throws Exception {
        List<Long> nodes = s.frozenTreeNodes("s2", "tree");
        long leaf = nodes.get(nodes.size() - 1);
        s.flip(leaf, 60);
        Checker c = checkFinds(Kind.BAD_BLOCK, leaf, Severity.DAMAGE);
        Finding f = SnapImage.of(c, Kind.BAD_BLOCK).get(0);
        assertThat(f.structure).isEqualTo("snapshot 's2' extent tree");
        assertThat(f.name).isEqualTo("tree");
        repairDrops("s2", "s2");
    }

    @Test
    void aBrokenFrozenSiblingLinkIsRebuiltWithTheSameContent() throws Exception {
        long leaf = s.frozenTreeNodes("s1", "tree").get(2);
        s.patch(leaf, Tag.EXTN, b -> LE.i64(b, 24, 0));
        checkFinds(Kind.SIBLING_LINK, leaf, Severity.DAMAGE);
        Inode before = s.frozen("s1", "tree");
        assertThat(s.repairToClean()).isEmpty();
        Inode after = s.frozen("s1", "tree");
        assertThat(after.treeRoot).as("a new tree").isNotEqualTo(before.treeRoot);
        assertThat(after.digest).isEqualTo(before.digest);
        assertThat(s.diff()).isNull();
    }

    /** A live file whose second extent maps its first extent's block: the file gets a copy, the snapshots stay. */
    @Test
    void oneFileMappingABlockTwiceGetsItsOwnCopies() throws Exception {
        long number;
        java.util.List<Extent> extents = new java.util.ArrayList<>();
        try (Image img = Image.open(s.dev, false)) {
            number = img.stat("d").inode();
            img.extents("d").forEach(0, extents::add);
        }
        assertThat(extents).as("inline").hasSizeBetween(2, 4);
        long block = sb.inodeStart + number - 1;
        s.patch(block, Tag.INOD, b -> LE.i64(b, 80 + 24, extents.get(0).start()));
        byte[] reads;
        try (Image img = Image.open(s.dev, false)) {
            reads = dev.vde.testutil.Model.read(img, "d");
        }
        Checker c = checkFinds(Kind.USED_TWICE, extents.get(0).start(), Severity.DAMAGE);
        assertThat(SnapImage.of(c, Kind.USED_TWICE).get(0).message).contains("another extent of the same file");
        assertThat(s.repairToClean()).isEmpty();
        s.live.files.put("d", reads);
        assertThat(s.diff()).isNull();
    }

    @Test
    void twoFrozenFilesOnOneBlockGiveTheSecondACopy() throws Exception {
        long aBlock = s.firstBlock("a", "s1");
        long page = pageOf("s1", "b");
        byte[] bBefore;
        byte[] aBlockBytes = s.block(aBlock);
        try (Image img = Image.open(s.dev, false)) {
            assertThat(img.stat("b", "s1").blocks()).isEqualTo(1);
        }
        s.patch(page, Tag.SFIL, b -> LE.i64(b, SFIL_RECORD + 80, aBlock));
        try (Image img = Image.open(s.dev, false)) {
            bBefore = dev.vde.testutil.Model.read(img, "b", "s1");
        }
        assertThat(bBefore).isEqualTo(java.util.Arrays.copyOf(aBlockBytes, bBefore.length));
        Checker c = checkFinds(Kind.USED_TWICE, aBlock, Severity.DAMAGE);
        assertThat(SnapImage.of(c, Kind.USED_TWICE).get(0).structure).isEqualTo("snapshot 's1' space");
        assertThat(s.repairToClean()).isEmpty();
        s.snapshots.get("s1").files.put("b", bBefore);
        assertThat(s.diff()).isNull();
        assertThat(s.firstBlock("b", "s1")).as("b has a block of its own").isNotEqualTo(aBlock);
    }
}
