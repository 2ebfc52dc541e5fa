package io.caravan.ops;

/** io.caravan:type=Profiles: see the drain profiles and switch a route between them (catch-up and back). */
public interface ProfilesMBean {

    @Described("Every drain profile with its budget per execution and interval")
    String[] getProfiles();

    @Described(
            value = "Shows the route's current budget and the one the profile would give, changing nothing",
            params = {"route", "profile"})
    String previewProfile(String route, String profile);

    @Described(
            value = "Switches the route to the profile (version + 1, audited); the route is re-created with its budget",
            params = {"route", "profile"})
    String switchProfile(String route, String profile);
}
