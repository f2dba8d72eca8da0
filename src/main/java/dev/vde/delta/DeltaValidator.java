package dev.vde.delta;

import dev.vde.delta.DeltaRecord.Data;
import dev.vde.delta.DeltaRecord.Delete;
import dev.vde.delta.DeltaRecord.End;
import dev.vde.delta.DeltaRecord.File;
import dev.vde.delta.DeltaRecord.Hole;
import dev.vde.delta.DeltaRecord.Move;
import dev.vde.delta.DeltaRecord.Size;
import dev.vde.error.NoSpaceException;
import dev.vde.inode.Inode;
import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a delta through a {@link DeltaReader} (which verifies checksums) and checks that its
 * records form a well-formed change, record by record, so that {@code apply} never starts on a
 * stream it would have to abandon half-way:
 *
 * <ul>
 *   <li>every DELE comes before the first FILE, in ascending inode order;</li>
 *   <li>each changed file is one section, in ascending inode order: a FILE record, then at most one
 *       MOVE (not for a new file, which FILE names), at most one SIZE, then HOLE and DATA records,
 *       all of that inode, each inside the file's size rounded up to a block; the bytes of a DATA
 *       record past the end of the file are zero (as they are in every image);</li>
 *   <li>given the base's files: DELE and FILE of an existing file name an inode of the base by
 *       its base name, not deleted; a new file's inode is free in the base or deleted; no two
 *       files end up with one name; the resulting file count and byte total equal the header's.</li>
 * </ul>
 *
 * <p>Memory: O(files of the base + files the delta changes), as fsck holds per-file state;
 * nothing grows with the data.
 */
public final class DeltaValidator {
    private final DeltaReader in;
    private final DeltaHeader header;
    private final int bs;
    /** The base's files by inode number; null when the base is unknown (inspect). */
    private final Map<Long, Inode> base;
    private final long inodeLimit;

    private boolean filesStarted;
    private long lastDelete;
    private long lastFile;
    private final Set<Long> deleted = new HashSet<>();
    /** Base inodes whose base name is free in the result: deleted or renamed. */
    private final Set<Long> nameFreed = new HashSet<>();
    /** Names given by the delta (new files and renames) to their inode. */
    private final Map<String, Long> given = new HashMap<>();

    private long current;
    private boolean currentCreated;
    private boolean moved;
    private boolean sized;
    private boolean ranges;
    private long size;

    private final ApplyStats.Builder stats = new ApplyStats.Builder();
    private long files;
    private long bytes;

    /**
     * @param baseFiles  the base snapshot's files (empty for a full delta), or null to check the
     *                   structure alone
     * @param inodeLimit the largest inode number the target holds ({@link Long#MAX_VALUE}: no limit)
     */
    public DeltaValidator(DeltaReader in, List<Inode> baseFiles, long inodeLimit) {
        this.in = in;
        this.header = in.header();
        this.bs = header.blockSize();
        this.inodeLimit = inodeLimit;
        if (baseFiles == null) {
            this.base = null;
        } else {
            this.base = new HashMap<>(baseFiles.size() * 2);
            for (Inode f : baseFiles) {
                base.put(f.number, f);
                files++;
                bytes += f.size;
            }
        }
    }

    public DeltaHeader header() {
        return header;
    }

    /** The reader's position: the record last returned. */
    public DeltaReader reader() {
        return in;
    }

    /**
     * The next record, verified and checked: END last, then null.
     *
     * @throws CorruptDeltaException naming the record and its offset, if it breaks a rule
     * @throws NoSpaceException      if a new file's inode number lies beyond the target's inodes
     */
    public DeltaRecord next() throws IOException {
        DeltaRecord r = in.next();
        if (r == null) {
            return null;
        }
        switch (r.type()) {
            case DELE -> delete((Delete) r);
            case FILE -> file((File) r);
            case MOVE -> move((Move) r);
            case SIZE -> size((Size) r);
            case HOLE -> hole((Hole) r);
            case DATA -> data((Data) r);
            case END -> end();
            default -> throw fault("unexpected record type");
        }
        return r;
    }

    /** Reads and checks the whole stream; returns what it would change. */
    public ApplyStats run() throws IOException {
        while (next() != null) {
            // each record is checked as it is read
        }
        return stats();
    }

    /** What the records read so far change. */
    public ApplyStats stats() {
        return stats.build();
    }

    private void delete(Delete d) {
        if (filesStarted) {
            throw fault("a deletion after the first file record (deletions come first)");
        }
        if (d.inode() <= lastDelete) {
            throw fault("inode " + d.inode() + " after inode " + lastDelete + " (deletions come in inode order)");
        }
        lastDelete = d.inode();
        if (base != null) {
            Inode f = base.get(d.inode());
            if (f == null || !f.name.equals(d.name())) {
                throw fault(noSuchBaseFile(d.inode(), d.name()));
            }
            files--;
            bytes -= f.size;
        }
        deleted.add(d.inode());
        nameFreed.add(d.inode());
        stats.deleted++;
    }

    /** Closes the file section open now: a file of the base counts as changed if its size or data did. */
    private void endSection() {
        if (current != 0 && !currentCreated && (sized || ranges)) {
            stats.changed++;
        }
    }

    private void file(File f) {
        endSection();
        filesStarted = true;
        if (f.inode() <= lastFile) {
            throw fault("inode " + f.inode() + " after inode " + lastFile + " (files come in inode order, once each)");
        }
        lastFile = f.inode();
        current = f.inode();
        currentCreated = f.created();
        moved = false;
        sized = false;
        ranges = false;
        if (f.created()) {
            if (base != null && base.containsKey(f.inode()) && !deleted.contains(f.inode())) {
                throw fault("new file '" + f.name() + "' has inode " + f.inode() + ", which the base's file '"
                        + base.get(f.inode()).name + "' holds");
            }
            if (f.inode() > inodeLimit) {
                throw new NoSpaceException(where() + ": new file '" + f.name() + "' needs inode " + f.inode()
                        + ", but the image was formatted for " + inodeLimit + " files");
            }
            size = 0;
            name(f.name());
            files++;
            stats.created++;
        } else {
            if (base != null) {
                Inode b = base.get(f.inode());
                if (b == null || deleted.contains(f.inode()) || !b.name.equals(f.name())) {
                    throw fault(noSuchBaseFile(f.inode(), f.name()));
                }
                size = b.size;
            } else {
                size = Long.MAX_VALUE;
            }
        }
    }

    private void move(Move m) {
        section(m.inode(), "MOVE");
        if (currentCreated) {
            throw fault("a rename of new file " + m.inode() + " (its FILE record names it)");
        }
        if (moved || sized || ranges) {
            throw fault("a rename must come right after its file's FILE record, once");
        }
        moved = true;
        nameFreed.add(m.inode());
        name(m.name());
        stats.renamed++;
    }

    private void size(Size s) {
        section(s.inode(), "SIZE");
        if (sized || ranges) {
            throw fault("a size record after the file's size or data (one SIZE, before HOLE and DATA)");
        }
        sized = true;
        if (base != null) {
            bytes += s.size() - size;
        }
        size = s.size();
    }

    private void hole(Hole h) {
        section(h.inode(), "HOLE");
        inside(h.offset(), h.length());
        ranges = true;
        stats.holes++;
        stats.holeBytes += h.length();
    }

    private void data(Data d) {
        section(d.inode(), "DATA");
        long length = (long) d.blockCount() * bs;
        inside(d.logicalOffset(), length);
        ranges = true;
        if (size != Long.MAX_VALUE && d.logicalOffset() + length > size) {
            // Past the end of the file, the last block holds zeros in every image.
            var data = d.data().duplicate();
            for (long at = Math.max(size, d.logicalOffset()); at < d.logicalOffset() + length; at++) {
                if (data.get((int) (at - d.logicalOffset())) != 0) {
                    throw fault("the data holds non-zero bytes past the end of the file (" + size + " bytes)");
                }
            }
        }
        stats.dataRecords++;
        stats.dataBytes += length;
    }

    private void end() {
        endSection();
        current = 0;
        if (base == null) {
            return;
        }
        Map<String, Long> baseNames = new HashMap<>(base.size() * 2);
        for (Inode b : base.values()) {
            if (!nameFreed.contains(b.number)) {
                baseNames.put(b.name, b.number);
            }
        }
        for (Map.Entry<String, Long> e : given.entrySet()) {
            Long holder = baseNames.get(e.getKey());
            if (holder != null && holder.longValue() != e.getValue()) {
                throw fault("file " + e.getValue() + " would be named '" + e.getKey() + "', which file " + holder
                        + " keeps");
            }
        }
        SnapshotId s = header.snapshot();
        if (files != s.fileCount() || bytes != s.bytes()) {
            throw fault("the records lead to " + files + " files of " + bytes + " bytes; the header's snapshot '"
                    + s.name() + "' has " + s.fileCount() + " files of " + s.bytes() + " bytes");
        }
    }

    /** Checks that a record belongs to the file section open now. */
    private void section(long inode, String what) {
        if (current == 0 || inode != current) {
            throw fault(what + " of inode " + inode + (current == 0 ? " before any FILE record"
                    : " inside the section of inode " + current));
        }
    }

    private void inside(long offset, long length) {
        if (size == Long.MAX_VALUE) {
            return;
        }
        long limit = (size + bs - 1) / bs * bs;
        if (offset + length > limit) {
            throw fault("bytes " + offset + " to " + (offset + length) + " lie past the file's end (" + size
                    + " bytes)");
        }
    }

    private void name(String name) {
        Long other = given.put(name, current);
        if (other != null) {
            throw fault("files " + other + " and " + current + " would both be named '" + name + "'");
        }
    }

    private String noSuchBaseFile(long inode, String name) {
        Inode b = base.get(inode);
        return "the base has no file '" + name + "' with inode " + inode
                + (b == null ? "" : " (inode " + inode + " is '" + b.name + "'" + (deleted.contains(inode)
                        ? ", deleted earlier in the delta)" : ")"));
    }

    private String where() {
        return CorruptDeltaException.where(in.source(), in.recordNumber(), in.lastType(), in.recordOffset());
    }

    private CorruptDeltaException fault(String detail) {
        return new CorruptDeltaException(in.source(), in.recordNumber(), in.lastType(), in.recordOffset(), detail);
    }
}
