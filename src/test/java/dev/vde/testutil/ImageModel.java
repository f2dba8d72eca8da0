package dev.vde.testutil;

import dev.vde.image.Image;
import dev.vde.image.ImageInfo;
import dev.vde.image.SnapshotInfo;
import dev.vde.inode.FileDigest;
import dev.vde.io.BlockDevice;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The expected state of a whole image: the live files and every snapshot's files, snapshots in
 * the order the image lists them (oldest first).
 */
public final class ImageModel {
    public Model live = new Model();
    public final LinkedHashMap<String, Model> snapshots = new LinkedHashMap<>();

    public ImageModel copy() {
        ImageModel m = new ImageModel();
        m.live = live.copy();
        snapshots.forEach((k, v) -> m.snapshots.put(k, v.copy()));
        return m;
    }

    /** {@link Image#createSnapshot}: the live files, frozen. */
    public void snapshot(String name) {
        if (snapshots.containsKey(name)) {
            throw new IllegalArgumentException("model already has snapshot " + name);
        }
        snapshots.put(name, live.copy());
    }

    public void deleteSnapshot(String name) {
        if (snapshots.remove(name) == null) {
            throw new IllegalArgumentException("model has no snapshot " + name);
        }
    }

    /** {@link Image#rollback}: the live files become the snapshot's; the snapshot stays. */
    public void rollback(String name) {
        live = snapshots.get(name).copy();
    }

    /**
     * Null if the image holds exactly this state, else the first difference: the live files and
     * their bytes, the snapshot list, each snapshot's files and bytes, every file's digest
     * against {@link FileDigest#of} its model bytes, and each snapshot's digest, file count and
     * byte count against values computed from the model alone.
     */
    public String diff(Image img) throws IOException {
        int bs = img.superblock().blockSize;
        String d = live.diff(img);
        if (d == null) {
            d = digests(img, live, null, bs);
        }
        if (d != null) {
            return "live files: " + d;
        }
        List<String> names = img.snapshots().stream().map(SnapshotInfo::name).toList();
        if (!names.equals(List.copyOf(snapshots.keySet()))) {
            return "image has snapshots " + names + ", model " + snapshots.keySet();
        }
        ImageInfo info = img.info();
        if (info.files() != live.files.size() || info.snapshots() != snapshots.size()) {
            return "info says " + info.files() + " files and " + info.snapshots() + " snapshots, model "
                    + live.files.size() + " and " + snapshots.size();
        }
        for (Map.Entry<String, Model> e : snapshots.entrySet()) {
            String s = e.getKey();
            Model m = e.getValue();
            d = m.diff(img, s);
            if (d == null) {
                d = digests(img, m, s, bs);
            }
            if (d != null) {
                return "snapshot " + s + ": " + d;
            }
            SnapshotInfo record = img.snapshot(s);
            String want = m.digest(bs).toString();
            if (!record.digest().toString().equals(want)) {
                return "snapshot " + s + ": digest " + record.digest() + ", computed from the model " + want;
            }
            if (record.fileCount() != m.files.size() || record.bytes() != m.bytes()) {
                return "snapshot " + s + ": says " + record.fileCount() + " files of " + record.bytes()
                        + " bytes, model " + m.files.size() + " of " + m.bytes();
            }
        }
        return null;
    }

    /**
     * Null if the image holds exactly this state ({@link #diff}), its space and every ref count
     * are exact ({@link Space}) and fsck of {@code dev} is clean; else the first problem.
     */
    public String check(Image img, BlockDevice dev) throws IOException {
        String d = diff(img);
        if (d != null) {
            return "state: " + d;
        }
        d = Space.check(img);
        if (d != null) {
            return "space: " + d;
        }
        d = Space.checkCounts(img);
        if (d != null) {
            return "ref counts: " + d;
        }
        d = Fsck.check(dev);
        return d == null ? null : "fsck: " + d;
    }

    private static String digests(Image img, Model m, String snapshot, int bs) throws IOException {
        for (Map.Entry<String, byte[]> f : m.files.entrySet()) {
            FileDigest got = img.digest(f.getKey(), snapshot);
            FileDigest want = FileDigest.of(f.getValue(), bs);
            if (!got.equals(want)) {
                return "file " + f.getKey() + ": digest " + got + ", computed from the model " + want;
            }
        }
        return null;
    }
}
