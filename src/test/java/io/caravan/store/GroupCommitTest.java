package io.caravan.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class GroupCommitTest {

    /** Guards against concurrent callers each paying a transaction of their own, or getting another's result. */
    @Test
    void concurrent_callers_share_batches_and_each_gets_its_own_result() throws Exception {
        List<Integer> batchSizes = Collections.synchronizedList(new ArrayList<>());
        GroupCommit<Integer, Integer> commit = new GroupCommit<>(64, items -> {
            batchSizes.add(items.size());
            sleep(5); // a transaction's round trip: others arrive meanwhile
            return items.stream().map(i -> i * 10).toList();
        });
        ExecutorService callers = Executors.newFixedThreadPool(16);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                int item = i;
                results.add(callers.submit(() -> commit.submit(item)));
            }
            for (int i = 0; i < 400; i++) {
                assertThat(results.get(i).get(10, TimeUnit.SECONDS)).isEqualTo(i * 10);
            }
        } finally {
            callers.shutdownNow();
        }
        assertThat(batchSizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(400);
        assertThat(batchSizes.size())
                .as("batches for 400 items from 16 callers")
                .isLessThan(100);
    }

    /** Guards against a failed batch leaving its callers waiting, or reporting success to any of them. */
    @Test
    void a_failed_batch_fails_every_caller_in_it_and_the_next_batch_still_runs() throws Exception {
        CountDownLatch first = new CountDownLatch(1);
        CountDownLatch queued = new CountDownLatch(1);
        GroupCommit<String, String> commit = new GroupCommit<>(64, items -> {
            if (items.contains("slow")) {
                first.countDown();
                await(queued);
                throw new StoreException("claim", new java.sql.SQLException("store down"));
            }
            return items.stream().map(String::toUpperCase).toList();
        });
        ExecutorService callers = Executors.newFixedThreadPool(3);
        try {
            Future<String> slow = callers.submit(() -> commit.submit("slow"));
            first.await(5, TimeUnit.SECONDS);
            Future<String> later = callers.submit(() -> commit.submit("later"));
            sleep(50); // "later" queues behind the batch being written
            queued.countDown();

            assertThatThrownBy(() -> slow.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(StoreException.class);
            assertThat(later.get(5, TimeUnit.SECONDS)).isEqualTo("LATER");
            assertThat(commit.submit("alone")).isEqualTo("ALONE");
        } finally {
            callers.shutdownNow();
        }
    }

    /** Guards against a caller returning before its own item was written, when batches are capped. */
    @Test
    void items_beyond_the_batch_cap_are_written_in_later_batches() throws Exception {
        List<Integer> batchSizes = Collections.synchronizedList(new ArrayList<>());
        ConcurrentHashMap<Integer, Boolean> written = new ConcurrentHashMap<>();
        GroupCommit<Integer, Boolean> commit = new GroupCommit<>(3, items -> {
            batchSizes.add(items.size());
            sleep(2);
            items.forEach(i -> written.put(i, true));
            return items.stream().map(i -> true).toList();
        });
        ExecutorService callers = Executors.newFixedThreadPool(12);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < 120; i++) {
                int item = i;
                results.add(callers.submit(() -> commit.submit(item) && written.containsKey(item)));
            }
            for (Future<Boolean> r : results) {
                assertThat(r.get(10, TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            callers.shutdownNow();
        }
        assertThat(batchSizes).allSatisfy(n -> assertThat(n).isBetween(1, 3));
        assertThat(written).hasSize(120);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
