// The contract and the registry only: a store's own module (and its client library) loads
// when STORAGE_TYPE names it, through createStore, or by importing @app/storage/<store>.
export * from './store';
export * from './store.factory';
