package io.caravan.testing;

import static org.awaitility.Awaitility.await;

import io.caravan.store.Execution;
import io.caravan.store.ExecutionStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A running caravan on a store of one backend, shared by the feed tests of a class: each test adds its own feed
 * row with a fresh route id and its own {@linkplain #newSource() source table}, and {@linkplain #stopFeeds() stops}
 * its feeds when it ends, so tests share the app without seeing each other's rows, keys or executions.
 */
public final class FeedFixture implements AutoCloseable {
    private static final AtomicInteger STORES = new AtomicInteger();
    private static final AtomicInteger SOURCES = new AtomicInteger();

    private final Databases.Backend backend;
    private final Map<String, String> settings;
    private final List<String> feeds = new ArrayList<>();
    private CaravanApp app;

    /** A source table the app knows as {@code caravan.source.<name>}. */
    public record Source(String name, SourceTable table) {}

    private FeedFixture(Databases.Backend backend, Map<String, String> settings) {
        this.backend = backend;
        this.settings = settings;
        this.app = CaravanApp.start(settings);
    }

    /** Caravan on a new, empty store of {@code backend}, reading named statements from the test routes. */
    public static FeedFixture start(Databases.Backend backend) {
        return start(backend, Map.of());
    }

    /** Same as {@link #start(Databases.Backend)}, with settings of the test's own on top. */
    public static FeedFixture start(Databases.Backend backend, Map<String, String> overrides) {
        int n = STORES.incrementAndGet();
        Map<String, String> s = backend == Databases.Backend.H2
                ? CaravanApp.settings("jdbc:h2:mem:feed_store_" + n + ";DB_CLOSE_DELAY=-1", "sa", "")
                : CaravanApp.settings(Databases.postgresJdbcUrl(Databases.emptyPostgresDatabase()), "postgres", "");
        s.put("caravan.routes.dir", "src/test/resources/test-routes");
        s.putAll(overrides);
        return new FeedFixture(backend, s);
    }

    public Databases.Backend backend() {
        return backend;
    }

    public CaravanApp app() {
        return app;
    }

    /** A new, empty source table, configured in the running app (and after a restart) as a source data source. */
    public Source newSource() {
        return newSource(Databases.Backend.H2);
    }

    /** A new, empty source table in a database of {@code sourceBackend}, configured like {@link #newSource()}. */
    public Source newSource(Databases.Backend sourceBackend) {
        SourceTable table = SourceTable.create(sourceBackend);
        String name = "src" + SOURCES.incrementAndGet();
        settings.put("caravan.source." + name + ".url", table.url());
        settings.put("caravan.source." + name + ".user", table.user());
        app.camel().getPropertiesComponent().addOverrideProperty("caravan.source." + name + ".url", table.url());
        app.camel().getPropertiesComponent().addOverrideProperty("caravan.source." + name + ".user", table.user());
        return new Source(name, table);
    }

    /** Upserts the feed row and waits until the reconciler runs it; {@link #stopFeeds()} stops it again. */
    public void startFeed(FeedRow feed) {
        app.routeConfig().upsert(feed.row(), "test");
        feeds.add(feed.routeId());
        await("route " + feed.routeId() + " started")
                .atMost(Duration.ofSeconds(15))
                .until(() -> app.reconciler().running().contains(feed.routeId()));
    }

    /** Disables the feed and waits until its route is gone, so every execution it began has finished. */
    public void stopFeed(String routeId) {
        app.routeConfig().setEnabled(routeId, false, "test");
        await("route " + routeId + " stopped")
                .atMost(Duration.ofSeconds(30))
                .until(() -> !app.reconciler().running().contains(routeId));
    }

    /** Stops every feed started through this fixture. */
    public void stopFeeds() {
        for (String id : feeds) {
            if (app.reconciler().running().contains(id)) {
                stopFeed(id);
            }
        }
        feeds.clear();
    }

    /** The route's finished executions (not RUNNING), oldest first. */
    public List<Execution> finishedExecutions(String routeId) {
        List<Execution> recent = new ArrayList<>(app.executionLog().recent(routeId, 10_000));
        recent.removeIf(e -> e.status() == ExecutionStatus.RUNNING);
        java.util.Collections.reverse(recent);
        return recent;
    }

    /** Waits until {@code more} executions of the route have finished beyond the ones finished now. */
    public void awaitMoreExecutions(String routeId, int more) {
        int now = finishedExecutions(routeId).size();
        await(more + " more executions of " + routeId)
                .atMost(Duration.ofSeconds(20))
                .until(() -> finishedExecutions(routeId).size() >= now + more);
    }

    /** Stops the app and starts a new one on the same store and sources (a redeploy or a crash-free restart). */
    public void restart() {
        app.close();
        app = CaravanApp.start(settings);
    }

    @Override
    public void close() {
        app.close();
    }
}
