export { SimulatedHost } from './simulated-host.js';
export type { SeedOptions, SimulatedHostOptions } from './simulated-host.js';
export { defaultModel } from './model.js';
export type { SimModel, SimDisk, SimPool, SimDataset, SimSnapshot } from './model.js';
