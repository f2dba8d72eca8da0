package dev.vde.testutil;

import dev.vde.image.FileInfo;
import dev.vde.image.Image;
import dev.vde.inode.FileDigest;
import dev.vde.snapshot.SnapshotDigest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The expected content of every file of an image, kept in plain byte arrays. */
public final class Model {
    public final TreeMap<String, byte[]> files = new TreeMap<>();

    public Model copy() {
        Model m = new Model();
        files.forEach((k, v) -> m.files.put(k, v.clone()));
        return m;
    }

    public void write(String name, long offset, byte[] data, boolean truncate) {
        byte[] old = files.getOrDefault(name, new byte[0]);
        if (truncate) {
            old = Arrays.copyOf(old, (int) offset);
        }
        int end = (int) Math.max(old.length, offset + data.length);
        if (data.length == 0) {
            end = old.length;
        }
        byte[] n = Arrays.copyOf(old, end);
        System.arraycopy(data, 0, n, (int) offset, data.length);
        files.put(name, n);
    }

    public static byte[] read(Image img, String name) throws IOException {
        return read(img, name, null);
    }

    public static byte[] read(Image img, String name, String snapshot) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        img.cat(name, snapshot, Channels.newChannel(out));
        return out.toByteArray();
    }

    /** Null if the image holds exactly the model's files and bytes, else what differs. */
    public String diff(Image img) throws IOException {
        return diff(img, null);
    }

    /** As {@link #diff(Image)} for the files of snapshot {@code snapshot} (null: live). */
    public String diff(Image img, String snapshot) throws IOException {
        List<String> listed = img.list(snapshot).stream().map(FileInfo::name).toList();
        if (!listed.equals(List.copyOf(files.keySet()))) {
            return "image has files " + abbreviate(listed) + ", model " + abbreviate(List.copyOf(files.keySet()));
        }
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            byte[] got = read(img, e.getKey(), snapshot);
            if (!Arrays.equals(got, e.getValue())) {
                return "file " + e.getKey() + ": " + got.length + " bytes vs model " + e.getValue().length
                        + ", first difference at " + Arrays.mismatch(got, e.getValue());
            }
        }
        return null;
    }

    private static String abbreviate(List<String> names) {
        return names.stream().map(n -> n.length() > 20 ? n.substring(0, 20) + "..." : n).toList().toString();
    }

    /**
     * The snapshot digest of these files computed from their bytes alone ({@link FileDigest#of}
     * per file, combined by {@link SnapshotDigest}), independently of what any inode keeps.
     */
    public FileDigest digest(int blockSize) {
        SnapshotDigest d = new SnapshotDigest();
        files.forEach((name, content) -> d.add(name, content.length, FileDigest.of(content, blockSize)));
        return d.value();
    }

    public long bytes() {
        long n = 0;
        for (byte[] b : files.values()) {
            n += b.length;
        }
        return n;
    }

    public boolean matches(Image img) throws IOException {
        return diff(img) == null;
    }
}
