package dev.vde.check;

/**
 * One problem fsck found, with where it is: a block (or -1), the structure, and for file
 * structures the inode and name.
 */
public final class Finding {
    public final Kind kind;
    public final long block;
    public final String structure;
    public final long inode;
    public final String name;
    public final String message;
    private boolean repaired;

    public Finding(Kind kind, long block, String structure, long inode, String name, String message) {
        this.kind = kind;
        this.block = block;
        this.structure = structure;
        this.inode = inode;
        this.name = name;
        this.message = message;
    }

    public Severity severity() {
        return kind.severity();
    }

    public boolean repaired() {
        return repaired;
    }

    public void markRepaired() {
        repaired = true;
    }

    /** One line: severity, location, what is wrong. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        b.append(severity().name().toLowerCase(java.util.Locale.ROOT)).append(": ");
        if (block >= 0) {
            b.append("block ").append(block).append(' ');
        }
        b.append('(').append(structure);
        if (inode > 0) {
            b.append(", inode ").append(inode);
            if (name != null) {
                b.append(" '").append(name).append('\'');
            }
        }
        b.append("): ").append(message);
        if (repaired) {
            b.append(" [repaired]");
        }
        return b.toString();
    }
}
