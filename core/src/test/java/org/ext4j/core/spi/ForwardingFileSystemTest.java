package org.ext4j.core.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;
import org.junit.jupiter.api.Test;

/**
 * Every method of the filesystem interfaces, called on a {@link ForwardingFileSystem} that
 * overrides nothing, reaches the wrapped filesystem (a proxy that records calls): none is left to
 * an interface default, which for retain/forget/forgetAll would silently do nothing.
 */
class ForwardingFileSystemTest {
    private final List<String> calls = new ArrayList<>();

    private IomapFileSystem recorder() {
        return (IomapFileSystem) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {IomapFileSystem.class},
                (proxy, method, args) -> {
                    calls.add(method.getName());
                    Class<?> r = method.getReturnType();
                    if (method.getName().equals("writable") || method.getName().equals("iomap")) {
                        return Optional.of(proxy);
                    }
                    if (r == Optional.class) {
                        return Optional.empty();
                    }
                    if (r == List.class) {
                        return List.of();
                    }
                    if (r == int.class) {
                        return 0;
                    }
                    if (r == long.class) {
                        return 0L;
                    }
                    if (r == boolean.class) {
                        return false;
                    }
                    return null;
                });
    }

    private static Object sample(Class<?> type) {
        if (type == long.class) {
            return 1L;
        }
        if (type == int.class) {
            return 1;
        }
        if (type == boolean.class) {
            return false;
        }
        if (type == byte[].class) {
            return new byte[] {'x'};
        }
        if (type == long[].class) {
            return new long[] {1};
        }
        if (type == String.class) {
            return "user.x";
        }
        if (type == Caller.class) {
            return Caller.ROOT;
        }
        if (type == LongConsumer.class) {
            return (LongConsumer) ino -> { };
        }
        return null;
    }

    @Test
    void everyCallReachesTheWrappedFilesystem() throws Exception {
        ForwardingFileSystem wrapper = new ForwardingFileSystem(recorder()) { };
        int checked = 0;
        for (Method m : IomapFileSystem.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            Object[] args = new Object[m.getParameterCount()];
            for (int i = 0; i < args.length; i++) {
                args[i] = sample(m.getParameterTypes()[i]);
            }
            calls.clear();
            m.invoke(wrapper, args);
            assertTrue(calls.contains(m.getName()), m + " reached the wrapped filesystem as " + calls);
            checked++;
        }
        assertTrue(checked >= 45, "all of InodeFileSystem, WritableFileSystem and IomapFileSystem: " + checked);
    }

    @Test
    void answersForItselfWithTheCapabilitiesOfWhatItWraps() {
        ForwardingFileSystem wrapper = new ForwardingFileSystem(recorder()) { };
        assertSame(wrapper, wrapper.writable().orElseThrow());
        assertSame(wrapper, wrapper.iomap().orElseThrow());
        InodeFileSystem readOnly = (InodeFileSystem) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {InodeFileSystem.class}, (proxy, method, args) -> method.getName().equals("writable")
                        || method.getName().equals("iomap") ? Optional.empty() : null);
        ForwardingFileSystem over = new ForwardingFileSystem(readOnly) { };
        assertTrue(over.writable().isEmpty());
        assertEquals(Errno.EROFS, assertThrows(Ext4Exception.class,
                () -> over.unlink(Caller.ROOT, 2, new byte[] {'x'})).errno());
    }
}
