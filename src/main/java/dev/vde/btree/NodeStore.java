package dev.vde.btree;

/** Where a tree's nodes live: reads verify the trailer, writes go through the transaction. */
public interface NodeStore {
    /** Reads, verifies and decodes the node in {@code block}. */
    Node load(long block, NodeCodec codec);

    /** Encodes and stores {@code node} in {@code node.block} as part of the running transaction. */
    void save(Node node, NodeCodec codec);

    /** A free block for a new node. */
    long allocate();

    /** Releases a node's block (reusable once the transaction commits). */
    void free(long block);
}
