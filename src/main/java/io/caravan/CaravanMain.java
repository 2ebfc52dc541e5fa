package io.caravan;

import org.apache.camel.main.Main;

/** Runs caravan: `mvn camel:run` or `java -jar`. Configuration: ./application.properties, overridable by env. */
public final class CaravanMain {
    private CaravanMain() {}

    public static void main(String[] args) throws Exception {
        Main main = Caravan.newMain(java.util.Map.of());
        main.run(args);
    }
}
