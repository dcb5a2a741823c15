package io.embedflow.djl.collective;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GangMemberTest {
    private static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("EMBEDFLOW_GANG_RANK", "2");
        env.put("EMBEDFLOW_GANG_WORLD_SIZE", "4");
        env.put("EMBEDFLOW_GANG_COORDINATOR", "gang-0.train:29500");
        env.put("EMBEDFLOW_GANG_ID", "run-42");
        return env;
    }

    @Test
    void readsItsIdentityFromTheEnvironmentAndWritesItBack() {
        GangMember member = GangMember.fromEnvironment(env());
        assertThat(member.rank()).isEqualTo(2);
        assertThat(member.worldSize()).isEqualTo(4);
        assertThat(member.gangId()).isEqualTo("run-42");
        assertThat(member.coordinator().getHostString()).isEqualTo("gang-0.train");
        assertThat(member.coordinator().getPort()).isEqualTo(29500);
        assertThat(member.coordinator().isUnresolved()).as("looked up when used").isTrue();
        assertThat(member.toEnvironment()).isEqualTo(env());
    }

    @Test
    void anErrorNamesTheVariableAtFault() {
        Map<String, String> env = env();
        env.remove("EMBEDFLOW_GANG_ID");
        assertThatThrownBy(() -> GangMember.fromEnvironment(env)).isInstanceOf(GangException.class)
                .hasMessageStartingWith("EMBEDFLOW_GANG_ID is not set");
        env.put("EMBEDFLOW_GANG_ID", "run-42");
        env.put("EMBEDFLOW_GANG_WORLD_SIZE", "four");
        assertThatThrownBy(() -> GangMember.fromEnvironment(env)).hasMessage("EMBEDFLOW_GANG_WORLD_SIZE='four' is not a whole number");
        env.put("EMBEDFLOW_GANG_WORLD_SIZE", "2");
        assertThatThrownBy(() -> GangMember.fromEnvironment(env)).isInstanceOf(GangException.class)
                .hasMessageContaining("EMBEDFLOW_GANG_RANK").hasMessageContaining("rank 2 is outside [0, 2)");
        env.put("EMBEDFLOW_GANG_COORDINATOR", "gang-0.train");
        assertThatThrownBy(() -> GangMember.fromEnvironment(env)).isInstanceOf(GangException.class)
                .hasMessageStartingWith("EMBEDFLOW_GANG_COORDINATOR 'gang-0.train' is not host:port");
    }

    @Test
    void validatesRankWorldSizeAndId() {
        InetSocketAddress at = InetSocketAddress.createUnresolved("localhost", 1);
        assertThatThrownBy(() -> new GangMember(-1, 2, at, "g")).hasMessageContaining("rank -1 is outside [0, 2)");
        assertThatThrownBy(() -> new GangMember(0, 0, at, "g")).hasMessageContaining("world size must be at least 1, was 0");
        assertThatThrownBy(() -> new GangMember(0, 1, at, "two words")).hasMessageContaining("gang id 'two words'");
        assertThatThrownBy(() -> new GangMember(0, 1, at, "")).hasMessageContaining("gang id ''");
    }

    @Test
    void parsesIpv6CoordinatorsInBrackets() {
        GangMember member = GangMember.of(0, 1, "[::1]:29500", "g");
        assertThat(member.coordinator().getHostString()).isEqualTo("::1");
        assertThat(GangMember.hostPort(member.coordinator())).isEqualTo("[::1]:29500");
        assertThatThrownBy(() -> GangMember.of(0, 1, "::1:29500", "g")).hasMessageContaining("is not host:port");
        assertThatThrownBy(() -> GangMember.of(0, 1, "host:70000", "g")).hasMessageContaining("is not host:port");
    }
}
