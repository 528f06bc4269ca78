// The AST nodes of @huggingface/jinja's parser that jinja-python.ts reads, and the part of the library's interpreter
// it calls and overrides (the library's .d.ts does not export them).
import type { Environment } from '@huggingface/jinja';
import type { Value } from './jinja-values.ts';

/** The AST nodes jinja-python.ts reads. */
export interface Node {
  type: string;
}
export interface ValueNode extends Node {
  value: unknown;
}
export interface BinaryNode extends Node {
  operator: { value: string };
  left: Node;
  right: Node;
}
export interface UnaryNode extends Node {
  operator: { value: string };
  argument: Node;
}
export interface MemberNode extends Node {
  object: Node;
  property: Node & { value: unknown };
  computed: boolean;
}
export interface CallNode extends Node {
  callee: Node;
  args: Node[];
}
export interface ForNode extends Node {
  loopvar: Node;
  iterable: Node & { lhs?: Node; test?: Node };
  body: Node[];
  defaultBlock: Node[];
}
export interface SetNode extends Node {
  assignee: Node & { operand?: Node; filter?: Node };
  value: Node | null;
  body: Node[];
}
export interface MacroNode extends Node {
  name: { value: string };
}
export interface DictNode extends Node {
  value: Map<Node, Node>;
}
export interface TestNode extends Node {
  operand: Node;
  negate: boolean;
  test: { value: string };
}

/** The library's interpreter, as far as this file calls and overrides it. */
export interface LibraryInterpreter {
  evaluate(node: unknown, env: Environment): Value;
  evaluateBlock(statements: Node[], env: Environment): Value;
  evaluateBinaryExpression(node: BinaryNode, env: Environment): Value;
  evaluateUnaryExpression(node: UnaryNode, env: Environment): Value;
  evaluateCallExpression(node: CallNode, env: Environment): Value;
  evaluateMemberExpression(node: MemberNode, env: Environment): Value;
  evaluateTestExpression(node: TestNode, env: Environment): Value;
  evaluateFor(node: ForNode, env: Environment): Value;
  evaluateMacro(node: MacroNode, env: Environment): Value;
  evaluateIdentifier(node: ValueNode, env: Environment): Value;
  bindMacroArguments(displayName: string, parameters: Node[], special: Set<string>, args: Value[], scope: Environment): void;
  evaluateSet(node: SetNode, env: Environment): Value;
  evaluateArguments(args: Node[], env: Environment): [Value[], Map<string, Value>];
  applyFilter(operand: Value, filter: Node, env: Environment): Value;
}
