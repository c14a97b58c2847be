package dev.backfill.demo;

import java.util.List;
import java.util.Optional;

/** The bundled demos. */
public final class DemoScenarios {
    private static final List<DemoScenario> ALL = List.of(new PartsScenario(), new ProfilesScenario(), new D1Scenario(), new AppstateScenario(), new JobsScenario(),
            new CommunityScenario());

    private DemoScenarios() {}

    public static List<DemoScenario> all() {
        return ALL;
    }

    public static Optional<DemoScenario> named(String name) {
        return ALL.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    public static List<String> names() {
        return ALL.stream().map(DemoScenario::name).toList();
    }
}
