package io.caravan;

import org.apache.camel.main.Main;
import org.slf4j.LoggerFactory;

/** Runs caravan: `mvn camel:run` or `java -jar`. Configuration: ./application.properties, overridable by env. */
public final class CaravanMain {
    private CaravanMain() {}

    public static void main(String[] args) {
        Main main = Caravan.newMain(java.util.Map.of());
        try {
            main.run(args);
        } catch (Exception e) {
            // a failed start must end the process even when something it started (a local broker) left
            // non-daemon threads behind, so that the container restarts instead of hanging half-started
            LoggerFactory.getLogger(CaravanMain.class).error("caravan did not start", e);
            System.exit(1);
        }
    }
}
