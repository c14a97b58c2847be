package dev.backfill.source;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Walks several streams' scans side by side, user by user in ascending order, and hands out the
 * next users with their rows of every stream. Memory: one chunk of users plus one user per stream.
 */
public final class ScanMerge implements AutoCloseable {

    /** Users in ascending order and, per stream, their rows (a user may have none in a stream). */
    public record Chunk(List<String> users, Map<String, Map<String, UserRows>> rows) {}

    private final Map<String, SourceReader.CloseableIterator<SourceReader.KeyedRows>> scans;
    private final Map<String, SourceReader.KeyedRows> heads = new LinkedHashMap<>();

    public ScanMerge(Map<String, SourceReader.CloseableIterator<SourceReader.KeyedRows>> scans) {
        this.scans = scans;
        scans.forEach((stream, scan) -> advance(stream));
    }

    private void advance(String stream) {
        SourceReader.CloseableIterator<SourceReader.KeyedRows> scan = scans.get(stream);
        if (scan.hasNext()) {
            heads.put(stream, scan.next());
        } else {
            heads.remove(stream);
        }
    }

    /** The next {@code size} users; an empty chunk at the end. */
    public Chunk next(int size) {
        List<String> users = new ArrayList<>(size);
        Map<String, Map<String, UserRows>> rows = new LinkedHashMap<>();
        scans.keySet().forEach(stream -> rows.put(stream, new LinkedHashMap<>()));
        while (users.size() < size && !heads.isEmpty()) {
            String user = null;
            for (SourceReader.KeyedRows head : heads.values()) {
                if (user == null || UserKeys.compare(head.user(), user) < 0) {
                    user = head.user();
                }
            }
            users.add(user);
            for (String stream : new ArrayList<>(heads.keySet())) {
                SourceReader.KeyedRows head = heads.get(stream);
                if (head.user().equals(user)) {
                    rows.get(stream).put(user, head.rows());
                    advance(stream);
                }
            }
        }
        return new Chunk(users, rows);
    }

    @Override
    public void close() {
        scans.values().forEach(SourceReader.CloseableIterator::close);
    }
}
