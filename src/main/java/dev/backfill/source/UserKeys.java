package dev.backfill.source;

import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;

/** Merges the ascending user streams of several sources into one ascending stream without repeats. */
public final class UserKeys implements SourceReader.CloseableIterator<String> {

    private record Head(String key, SourceReader.CloseableIterator<String> rest) {}

    private final PriorityQueue<Head> heads = new PriorityQueue<>((a, b) -> compare(a.key(), b.key()));
    private final List<SourceReader.CloseableIterator<String>> all;
    private String last;

    public UserKeys(List<SourceReader.CloseableIterator<String>> streams) {
        this.all = new ArrayList<>(streams);
        for (SourceReader.CloseableIterator<String> stream : streams) {
            if (stream.hasNext()) {
                heads.add(new Head(stream.next(), stream));
            }
        }
        skipRepeats();
    }

    /** Code point order: the same as PostgreSQL's "C" collation and SQLite's BINARY. */
    public static int compare(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (x != y) {
                return Integer.compare(x, y);
            }
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    @Override
    public boolean hasNext() {
        return !heads.isEmpty();
    }

    @Override
    public String next() {
        if (heads.isEmpty()) {
            throw new NoSuchElementException();
        }
        Head head = heads.poll();
        last = head.key();
        advance(head.rest());
        skipRepeats();
        return last;
    }

    private void advance(SourceReader.CloseableIterator<String> stream) {
        if (stream.hasNext()) {
            heads.add(new Head(stream.next(), stream));
        }
    }

    private void skipRepeats() {
        while (!heads.isEmpty() && last != null && heads.peek().key().equals(last)) {
            advance(heads.poll().rest());
        }
    }

    /** Up to {@code size} next keys. */
    public List<String> take(int size) {
        List<String> chunk = new ArrayList<>(size);
        while (chunk.size() < size && hasNext()) {
            chunk.add(next());
        }
        return chunk;
    }

    @Override
    public void close() {
        all.forEach(SourceReader.CloseableIterator::close);
    }
}
