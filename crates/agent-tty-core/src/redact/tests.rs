use super::*;

const AWS: &str = "AKIAIOSFODNN7EXAMPLE";
const GH: &str = "ghp_0123456789abcdefghijABCDEFGHIJ012345";

fn redact_all(rules: RuleSet, pieces: &[&str]) -> (String, u64) {
    let mut r = Redactor::new(rules);
    let mut out = String::new();
    for p in pieces {
        out.push_str(&r.push(p));
    }
    out.push_str(&r.flush());
    (out, r.redactions())
}

#[test]
fn smoke() {
    let text = format!("key {AWS} and {GH}.\n");
    let (out, n) = redact_all(RuleSet::new(Level::Default), &[&text]);
    assert_eq!(out, "key [REDACTED]********** and [REDACTED]******************************.\n");
    assert_eq!(n, 2);
}
