package io.caravan.testing;

import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link FeedFixture} per backend for a test class, started when a test first asks for it: after each test its
 * feeds are stopped, after the class the apps are. Register as {@code @RegisterExtension static final}.
 */
public final class SharedFeedApps implements AfterEachCallback, AfterAllCallback {
    private final Map<Databases.Backend, FeedFixture> fixtures = new EnumMap<>(Databases.Backend.class);

    public synchronized FeedFixture on(Databases.Backend backend) {
        return fixtures.computeIfAbsent(backend, FeedFixture::start);
    }

    @Override
    public synchronized void afterEach(ExtensionContext context) {
        fixtures.values().forEach(FeedFixture::stopFeeds);
    }

    @Override
    public synchronized void afterAll(ExtensionContext context) {
        fixtures.values().forEach(FeedFixture::close);
        fixtures.clear();
    }
}
