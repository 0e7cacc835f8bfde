/**
 * Mechanisms more than one keyvault-csi library needs, written once. Published only because the
 * libraries depend on it; its API follows theirs, not semver of its own.
 */
export { type SharedCall, SingleFlight, type SingleFlightCaller } from './single-flight.js';
