export * from "./cnpg-operator";
export * from "./postgres-cluster";
export * from "./postgres-objects";
export * from "./restore";
