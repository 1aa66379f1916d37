/**
 * Entry script of the object-analysis worker threads (`dist/objects-worker.js`): serves
 * `ObjectTask`s with the same code the main thread would run.
 */
import { runObjectTask } from './object-pool';
import { serveTasks } from './workers';

serveTasks(runObjectTask);
