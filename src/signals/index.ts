/** Account signals: features, the transparent score, training, and the detector. */
export * from './features.js';
export * from './extract.js';
export * from './model.js';
export * from './score.js';
export * from './train.js';
export * from './detector.js';
