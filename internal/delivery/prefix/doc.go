// Package prefix decides where Firehose puts each S3 object: it parses and
// validates a destination's Prefix and ErrorOutputPrefix, evaluates them per
// object, and builds the object name. It does no I/O.
//
// The rules follow the Amazon Data Firehose developer guide, "Custom
// prefixes for Amazon S3 objects"
// (https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html),
// "Amazon S3 object name format"
// (https://docs.aws.amazon.com/firehose/latest/dev/basic-deliver.html#s3-object-name)
// and "Dynamic partitioning"
// (https://docs.aws.amazon.com/firehose/latest/dev/dynamic-partitioning.html):
//
//   - Expressions are !{namespace:value} with namespace timestamp (a Java
//     DateTimeFormatter pattern), firehose (error-output-type or
//     random-string), partitionKeyFromQuery or partitionKeyFromLambda. The
//     sequence "!{" may only open an expression.
//   - All timestamp expressions of one object show the same instant, the
//     arrival of its oldest record, in CustomTimeZone (default UTC).
//   - A Prefix without a timestamp expression gets yyyy/MM/dd/HH/ appended
//     (an empty Prefix is just that), unless it holds partition key
//     expressions: the dynamic partitioning example shows none appended.
//   - ErrorOutputPrefix may be empty only if Prefix has no expressions; then
//     failed records go to <Prefix><error-output-type>/yyyy/MM/dd/HH/. An
//     ErrorOutputPrefix with expressions must use
//     !{firehose:error-output-type}; Prefix must not.
//   - Dynamic partitioning needs both prefixes, and Prefix must use a
//     partition key; partition keys need dynamic partitioning.
//   - Partition key values are inserted verbatim (no escaping), so a "/" in
//     a value adds a level. An absent or empty key fails the record, which
//     Firehose then writes under the error prefix.
//   - Each prefix is at most 1024 characters as configured and 512 once
//     evaluated.
//
// The docs name no error-output-type for records that fail dynamic
// partitioning; the caller picks the value it passes to Eval.
package prefix
