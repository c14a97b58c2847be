package dev.backfill.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * An order of users in which those that reference each other most come together, cut into batches:
 * each batch starts with the first user left in partition order and grows by the user left with the
 * most references to and from the batch so far (ties: partition order), or, when no user left is
 * connected to it, by the next in partition order. Greedy graph growing: one pass, O(E log E).
 */
final class ReferenceGrouping {

    /** How many rows of one user reference rows of another (either direction counts for both). */
    record Edge(String from, String to, long rows) {}

    private ReferenceGrouping() {}

    /** {@code users}: in partition order. Returns the same users, grouped, for batches of {@code batchSize}. */
    static List<String> order(List<String> users, List<Edge> edges, int batchSize) {
        Map<String, Integer> rank = new HashMap<>();
        for (String user : users) {
            rank.putIfAbsent(user, rank.size());
        }
        Map<String, Map<String, Long>> weights = new HashMap<>();
        for (Edge edge : edges) {
            if (!edge.from().equals(edge.to()) && rank.containsKey(edge.from()) && rank.containsKey(edge.to())) {
                weights.computeIfAbsent(edge.from(), k -> new HashMap<>()).merge(edge.to(), edge.rows(), Long::sum);
                weights.computeIfAbsent(edge.to(), k -> new HashMap<>()).merge(edge.from(), edge.rows(), Long::sum);
            }
        }
        LinkedHashSet<String> left = new LinkedHashSet<>(users);
        List<String> ordered = new ArrayList<>(left.size());
        while (!left.isEmpty()) {
            Map<String, Long> gain = new HashMap<>();
            PriorityQueue<Candidate> best = new PriorityQueue<>(Comparator.comparingLong(Candidate::gain).reversed()
                    .thenComparingInt(c -> rank.get(c.user())));
            for (int size = 0; size < batchSize && !left.isEmpty(); size++) {
                String next = null;
                while (!best.isEmpty() && next == null) {
                    Candidate top = best.poll();
                    if (left.contains(top.user()) && gain.get(top.user()) == top.gain()) {
                        next = top.user();
                    }
                }
                if (next == null) {
                    Iterator<String> first = left.iterator();
                    next = first.next();
                }
                left.remove(next);
                ordered.add(next);
                for (Map.Entry<String, Long> neighbour : weights.getOrDefault(next, Map.of()).entrySet()) {
                    if (left.contains(neighbour.getKey())) {
                        long now = gain.merge(neighbour.getKey(), neighbour.getValue(), Long::sum);
                        best.add(new Candidate(neighbour.getKey(), now));
                    }
                }
            }
        }
        return ordered;
    }

    private record Candidate(String user, long gain) {}

    /** Rows referencing a user of another batch, when {@code ordered} is cut into batches of {@code batchSize}. */
    static long rowsAcrossBatches(List<String> ordered, List<Edge> edges, int batchSize) {
        Map<String, Integer> batch = new HashMap<>();
        for (int i = 0; i < ordered.size(); i++) {
            batch.put(ordered.get(i), i / batchSize);
        }
        long across = 0;
        for (Edge edge : edges) {
            Integer from = batch.get(edge.from());
            Integer to = batch.get(edge.to());
            if (from != null && to != null && !from.equals(to)) {
                across += edge.rows();
            }
        }
        return across;
    }
}
