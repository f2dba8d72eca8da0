package dev.vde.cli;

import dev.vde.image.FileInfo;
import dev.vde.image.Image;
import dev.vde.image.SnapshotInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a command may change of an image and a crash must leave either untouched or complete: the
 * image's counters, the snapshot list, and the files of the live state and of every snapshot
 * (their metadata, the digest each keeps, and optionally a hash of the bytes {@code cat} returns).
 * Read in-process through a read-only open, which overlays a committed log that is not yet home
 * without writing it, so reading never changes what a later check or command sees.
 *
 * <p>Times are left out: a command run twice stamps different ones. So is the uuid and creation
 * time of a snapshot made by the command ({@link #masked}), which are drawn at random and read
 * from the clock.
 *
 * @param holders the files of the live state (key {@value #LIVE}) and of each snapshot (key
 *                "snapshot NAME"), each sorted by name
 */
record ImageState(long txid, long freeBlocks, long fileCount, List<Snap> snapshots,
        Map<String, List<File>> holders, boolean logPending) {

    static final String LIVE = "live";

    record Snap(long id, String name, String uuid, long txid, long localTxid, Long createdMillis, String digest,
            long files, long bytes, long extents, long dataBlocks, long metaBlocks) {
    }

    /** @param content SHA-256 of the bytes {@code cat} returns; null when the state was read without data */
    record File(String name, long inode, long size, long extents, long blocks, long modifyTxid, String digest,
            String content) {
    }

    /** Reads the state of the image at {@code path}; with {@code content}, hashes every file's bytes too. */
    static ImageState read(Path path, boolean content) throws IOException {
        try (Image img = Image.open(path, false)) {
            var sb = img.superblock();
            List<Snap> snaps = new ArrayList<>();
            Map<String, List<File>> holders = new LinkedHashMap<>();
            holders.put(LIVE, files(img, null, content));
            for (SnapshotInfo s : img.snapshots()) {
                snaps.add(new Snap(s.id(), s.name(), s.uuid().toString(), s.txid(), s.localTxid(), s.createdMillis(),
                        String.valueOf(s.digest()), s.fileCount(), s.bytes(), s.extentCount(), s.dataBlocks(),
                        s.metaBlocks()));
                holders.put("snapshot " + s.name(), files(img, s.name(), content));
            }
            return new ImageState(sb.txid, sb.freeBlocks, sb.fileCount, snaps, holders, img.logPending());
        }
    }

    private static List<File> files(Image img, String snapshot, boolean content) throws IOException {
        List<File> out = new ArrayList<>();
        for (FileInfo f : img.list(snapshot)) {
            String hash = null;
            if (content) {
                Sha256Channel ch = new Sha256Channel();
                img.cat(f.name(), snapshot, ch);
                hash = ch.hex();
            }
            out.add(new File(f.name(), f.inode(), f.size(), f.extents(), f.blocks(), f.modifyTxid(),
                    img.digest(f.name(), snapshot).toString(), hash));
        }
        return out;
    }

    /**
     * This state with the uuid and creation time of every snapshot whose id is not in
     * {@code known} left out: those of a snapshot the command makes differ from run to run.
     */
    ImageState masked(Set<Long> known) {
        List<Snap> out = new ArrayList<>();
        for (Snap s : snapshots) {
            out.add(known.contains(s.id()) ? s : new Snap(s.id(), s.name(), null, s.txid(), s.localTxid(), null,
                    s.digest(), s.files(), s.bytes(), s.extents(), s.dataBlocks(), s.metaBlocks()));
        }
        return new ImageState(txid, freeBlocks, fileCount, out, holders, logPending);
    }

    /** The ids of the snapshots. */
    Set<Long> snapshotIds() {
        Set<Long> ids = new TreeSet<>();
        snapshots.forEach(s -> ids.add(s.id()));
        return ids;
    }

    /** This state without the bytes' hashes, to compare with one read without data. */
    ImageState withoutContent() {
        Map<String, List<File>> out = new LinkedHashMap<>();
        holders.forEach((k, files) -> out.put(k, files.stream().map(f -> new File(f.name(), f.inode(), f.size(),
                f.extents(), f.blocks(), f.modifyTxid(), f.digest(), null)).toList()));
        return new ImageState(txid, freeBlocks, fileCount, snapshots, out, logPending);
    }

    /** This state without live file {@code name}, and without the counters that adding it changes. */
    ImageState withoutLive(String name) {
        Map<String, List<File>> out = new LinkedHashMap<>(holders);
        out.put(LIVE, holders.get(LIVE).stream().filter(f -> !f.name().equals(name)).toList());
        return new ImageState(0, 0, 0, snapshots, out, false);
    }

    /**
     * How {@code actual} differs from {@code expected}, one line each (at most {@code max}); empty
     * if they are equal. Whether the log was pending is how the state was reached, not part of it.
     */
    static List<String> differences(ImageState expected, ImageState actual, int max) {
        List<String> d = new ArrayList<>();
        field(d, "txid", expected.txid, actual.txid);
        field(d, "free blocks", expected.freeBlocks, actual.freeBlocks);
        field(d, "file count", expected.fileCount, actual.fileCount);
        Map<Long, Snap> want = new LinkedHashMap<>();
        expected.snapshots.forEach(s -> want.put(s.id(), s));
        Map<Long, Snap> got = new LinkedHashMap<>();
        actual.snapshots.forEach(s -> got.put(s.id(), s));
        want.forEach((id, s) -> {
            Snap g = got.get(id);
            if (g == null) {
                d.add("snapshot id " + id + " '" + s.name() + "' missing");
            } else if (!g.equals(s)) {
                d.add("snapshot id " + id + ": " + s + " became " + g);
            }
        });
        got.forEach((id, g) -> {
            if (!want.containsKey(id)) {
                d.add("snapshot id " + id + " '" + g.name() + "' not expected");
            }
        });
        Set<String> keys = new TreeSet<>(expected.holders.keySet());
        keys.addAll(actual.holders.keySet());
        for (String k : keys) {
            Map<String, File> w = byName(expected.holders.get(k));
            Map<String, File> g = byName(actual.holders.get(k));
            Set<String> names = new TreeSet<>(w.keySet());
            names.addAll(g.keySet());
            for (String n : names) {
                File wf = w.get(n);
                File gf = g.get(n);
                if (!Objects.equals(wf, gf)) {
                    d.add(k + ": '" + n + "': " + (wf == null ? "not expected" : wf) + (gf == null ? " missing"
                            : " became " + gf));
                }
            }
        }
        return d.size() > max ? d.subList(0, max) : d;
    }

    private static void field(List<String> d, String what, long want, long got) {
        if (want != got) {
            d.add(what + " " + want + " became " + got);
        }
    }

    private static Map<String, File> byName(List<File> files) {
        Map<String, File> out = new LinkedHashMap<>();
        if (files != null) {
            files.forEach(f -> out.put(f.name(), f));
        }
        return out;
    }

    /** True if the two states hold the same counters, snapshots and files. */
    static boolean same(ImageState a, ImageState b) {
        return differences(a, b, 1).isEmpty();
    }

    /** A sink that hashes what {@code cat} writes, whatever the pieces it writes in. */
    private static final class Sha256Channel implements WritableByteChannel {
        private final MessageDigest sha;

        Sha256Channel() {
            try {
                sha = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new AssertionError(e);
            }
        }

        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            sha.update(src);
            return n;
        }

        String hex() {
            return HexFormat.of().formatHex(sha.digest());
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
