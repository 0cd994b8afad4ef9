//! Evaluation of rustrec models: rating metrics, ranking metrics and protocols.
#![warn(missing_docs)]
