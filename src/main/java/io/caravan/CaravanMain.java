package io.caravan; public class CaravanMain { public static void main(String[] a){} }
