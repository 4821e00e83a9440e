// Attention maps: per-layer, per-head attention of a text as plain arrays, and the
// bertviz-style head view / model view as a self-contained HTML page.
export { HEAD_VIEW_GENERATOR, type HeadViewOptions, headColour, headViewHtml } from './head-view.js';
export { type AttentionMaps, attentionMaps, attentionMapsForIds, attentionMapsSchema } from './maps.js';
