package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Forming batches along the reference graph: every user once, fewer rows across batches, partition order where nothing connects. */
class ReferenceGroupingTest {

    private static List<String> users(int count) {
        List<String> users = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            users.add(String.format("u%03d", i));
        }
        return users;
    }

    @Test
    void usersWithoutReferencesKeepPartitionOrder() {
        List<String> users = users(7);

        assertThat(ReferenceGrouping.order(users, List.of(), 3)).containsExactlyElementsOf(users);
    }

    @Test
    void aBatchGrowsByTheUserMostConnectedToItThenByPartitionOrder() {
        List<String> users = List.of("a", "b", "c", "d", "e", "f");
        List<ReferenceGrouping.Edge> edges = List.of(
                new ReferenceGrouping.Edge("a", "e", 5),
                new ReferenceGrouping.Edge("f", "a", 2),   // the other direction counts too
                new ReferenceGrouping.Edge("e", "d", 4),
                new ReferenceGrouping.Edge("b", "c", 1));

        // a, then e (5), then d (4 from e beats 2 from f); the next batch starts with b, then c, then f
        assertThat(ReferenceGrouping.order(users, edges, 3)).containsExactly("a", "e", "d", "b", "c", "f");
    }

    @Test
    void ringsOfMembersScatteredInPartitionOrderAreGroupedSoFarFewerRowsCrossBatches() {
        // 200 members in 20 communities of 10 (each referencing the next two of its community), shuffled the way uuids sort
        List<String> members = users(200);
        List<ReferenceGrouping.Edge> edges = new ArrayList<>();
        for (int community = 0; community < 20; community++) {
            for (int i = 0; i < 10; i++) {
                String member = members.get(community * 10 + i);
                edges.add(new ReferenceGrouping.Edge(member, members.get(community * 10 + (i + 1) % 10), 3));
                edges.add(new ReferenceGrouping.Edge(member, members.get(community * 10 + (i + 2) % 10), 1));
            }
        }
        List<String> partitionOrder = new ArrayList<>(members);
        Collections.shuffle(partitionOrder, new Random(7));

        List<String> grouped = ReferenceGrouping.order(partitionOrder, edges, 10);

        assertThat(grouped).hasSize(200).containsExactlyInAnyOrderElementsOf(members);
        long before = ReferenceGrouping.rowsAcrossBatches(partitionOrder, edges, 10);
        long after = ReferenceGrouping.rowsAcrossBatches(grouped, edges, 10);
        assertThat(before).as("in partition order almost every reference crosses batches").isGreaterThan(700);
        assertThat(after).as("grouped, whole communities share a batch").isZero();
    }

    @Test
    void referencesToUsersNotBeingBatchedAreIgnored() {
        List<String> users = List.of("a", "b", "c");
        List<ReferenceGrouping.Edge> edges = List.of(new ReferenceGrouping.Edge("a", "migrated-already", 9),
                new ReferenceGrouping.Edge("c", "a", 1), new ReferenceGrouping.Edge("b", "b", 4));

        assertThat(ReferenceGrouping.order(users, edges, 2)).containsExactly("a", "c", "b");
    }
}
