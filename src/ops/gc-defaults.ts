/**
 * Imported first by the CLI, before the rest of the gateway's modules load: the garbage collector's defaults
 * (gateway.heap_growth_percent's default and the young generation's cap) then hold during start-up too, whose
 * first full collections otherwise set the old generation's limit with V8's own growth factor (up to 4x).
 */
import { DEFAULT_HEAP_GROWTH_PERCENT } from '../config/model.js';
import { applyHeapGrowth } from './heap.js';
import { capYoungGeneration } from './young-gen.js';

applyHeapGrowth(DEFAULT_HEAP_GROWTH_PERCENT);
capYoungGeneration();
