import {
  $all,
  $and,
  $elemMatch,
  $eq,
  $exists,
  $gt,
  $gte,
  $in,
  $lt,
  $lte,
  $mod,
  $ne,
  $nin,
  $nor,
  $not,
  $options,
  $or,
  $regex,
  $size,
  $type,
  createQueryTester,
} from 'sift';

// $where is left out on purpose: it evaluates JavaScript from the config file.
const OPERATIONS = {
  $all,
  $and,
  $elemMatch,
  $eq,
  $exists,
  $gt,
  $gte,
  $in,
  $lt,
  $lte,
  $mod,
  $ne,
  $nin,
  $nor,
  $not,
  $options,
  $or,
  $regex,
  $size,
  $type,
};

export type Condition = (payload: Record<string, unknown>) => boolean;

/**
 * Compiles a MongoDB-style query over the payload (`{ "dashboard.uid": { $in: [new] } }`).
 * Throws at load time on an unknown operator, so a bad rule file stops the worker at start.
 */
export function compileCondition(query: Record<string, unknown>): Condition {
  const test = createQueryTester(query, { operations: OPERATIONS });
  return (payload) => test(payload);
}
