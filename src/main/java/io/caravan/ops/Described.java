package io.caravan.ops;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** What Hawtio (any JMX client) shows for an operation or attribute of caravan's MBeans, with parameter names. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
@interface Described {
    String value();

    String[] params() default {};
}
