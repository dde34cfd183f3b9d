// The simulator's view of shop-local time: everything lives in core/shop-days.ts (the one module for shop-local days).
export * from '../core/shop-days';
