package dev.backfill.source;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * One user's rows of one stream, and a SHA-256 digest of those rows exactly as the source gave them
 * (in order). The digest feeds the user's fingerprint without writing the rows out again.
 */
public record UserRows(List<ObjectNode> rows, byte[] digest) {

    public UserRows {
        rows = List.copyOf(rows);
        digest = digest.clone();
    }

    @Override
    public byte[] digest() {
        return digest.clone();
    }
}
