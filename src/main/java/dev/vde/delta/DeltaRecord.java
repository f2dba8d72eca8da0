package dev.vde.delta;

import java.nio.ByteBuffer;

/**
 * One record of a delta stream after the header. Files are named by their inode number on the
 * source ({@code inode}); byte ranges are logical (offsets in the file), never physical blocks.
 * {@code RecordCodec} gives the byte layout of each.
 */
public sealed interface DeltaRecord {
    RecordType type();

    /** The file the record is about: its inode number on the source; 0 for END, which is about none. */
    default long inode() {
        return 0;
    }

    /**
     * A file of the delta. With {@code created}, a new file, empty (size 0) until later records
     * change it; without, a file of the base, named as the base holds it, that later records of the
     * same inode change. Every other record of a file comes after a FILE record of its inode.
     */
    record File(long inode, boolean created, String name) implements DeltaRecord {
        @Override
        public RecordType type() {
            return RecordType.FILE;
        }
    }

    /** File {@code inode} is renamed to {@code name}. */
    record Move(long inode, String name) implements DeltaRecord {
        @Override
        public RecordType type() {
            return RecordType.MOVE;
        }
    }

    /** File {@code inode} gets size {@code size}: shorter, it loses its bytes from there; longer, they read as zeros. */
    record Size(long inode, long size) implements DeltaRecord {
        @Override
        public RecordType type() {
            return RecordType.SIZE;
        }
    }

    /** Bytes {@code [offset, offset + length)} of file {@code inode} become a hole (read as zeros). Block-aligned. */
    record Hole(long inode, long offset, long length) implements DeltaRecord {
        @Override
        public RecordType type() {
            return RecordType.HOLE;
        }
    }

    /**
     * File {@code inode} holds {@code data} at logical byte offset {@code logicalOffset}:
     * {@code blockCount} whole blocks, at most {@link DeltaFormat#MAX_DATA} bytes.
     * {@code startBlock} is where the data lay on the source, for people reading the delta; no
     * reader uses it. From a {@link DeltaReader}, {@code data} is a read-only view of the reader's
     * buffer, valid until its next call of {@code next()}.
     */
    record Data(long inode, long logicalOffset, int blockCount, long startBlock, ByteBuffer data)
            implements DeltaRecord {
        @Override
        public RecordType type() {
            return RecordType.DATA;
        }

        /** Bytes of data. */
        public int dataLength() {
            return data.remaining();
        }
    }

    /** File {@code inode}, named {@code name} in the base, is deleted. */
    record Delete(long inode, String name) implements DeltaRecord {
        @Override
        public RecordType type() {
            return RecordType.DELE;
        }
    }

    /**
     * The last record.
     *
     * @param recordCount    records in the stream, the header and this one included
     * @param streamBytes    bytes in the stream, this record included
     * @param dataBytes      bytes of data in all DATA records
     * @param streamChecksum the checksum chain over every record before this one
     */
    record End(long recordCount, long streamBytes, long dataBytes, long streamChecksum) implements DeltaRecord {
        @Override
        public RecordType type() {
            return RecordType.END;
        }
    }
}
