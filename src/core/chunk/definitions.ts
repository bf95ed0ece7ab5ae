import type { Node } from 'web-tree-sitter';

export type DefinitionKind = 'function' | 'class';

const FUNCTION_TYPE = /(^|_)(function|method|constructor|func)(_(declaration|definition|item|signature))?$|^(method|singleton_method|function_item|method_definition)$/;
const CLASS_TYPE = /(^|_)(class|struct|interface|trait|enum|impl|module|namespace|object|protocol|extension|union|type)_(declaration|definition|item|specifier|spec)$|^(class|module|type_alias_declaration)$/;
const SPECIFIER = /_specifier$/;
const FUNCTION_VALUE = /^(arrow_function|function_expression|function|generator_function)$/;

/** Unwraps nodes that only decorate or hold a definition (export, decorators, templates, an assignment statement). */
export function unwrapDefinition(node: Node): Node {
  const inner =
    node.type === 'export_statement' ? node.childForFieldName('declaration')
    : node.type === 'decorated_definition' ? node.childForFieldName('definition')
    : node.type === 'template_declaration' ? node.namedChildren.find((c) => c !== null && definitionKind(c) !== null) ?? null
    // `exports.parse = function …;` on one line is a statement holding a definition.
    : node.type === 'expression_statement' ? node.namedChildren.find((c) => c?.type === 'assignment_expression' && definitionKind(c) !== null) ?? null
    : null;
  return inner ?? node;
}

/**
 * Classifies a node as a function-like or class-like definition across grammars by node type names,
 * which tree-sitter grammars share by convention. `const f = () => …` counts as a function.
 */
export function definitionKind(node: Node): DefinitionKind | null {
  const type = node.type;
  if (type === 'lexical_declaration' || type === 'variable_declaration') {
    const declarator = node.namedChildren.find((c) => c?.type === 'variable_declarator');
    const value = declarator?.childForFieldName('value');
    return value && FUNCTION_VALUE.test(value.type) ? 'function' : null;
  }
  // `{ getAdapter: (a) => … }` and `Foo.prototype.bar = function …` define functions too, as does a C function-like macro.
  if (type === 'pair' || type === 'assignment_expression') {
    const value = node.childForFieldName(type === 'pair' ? 'value' : 'right');
    return value && FUNCTION_VALUE.test(value.type) && definitionName(node) !== null ? 'function' : null;
  }
  if (type === 'preproc_function_def') return 'function';
  if (FUNCTION_TYPE.test(type)) return type.endsWith('_signature') && !node.childForFieldName('body') ? null : 'function';
  if (CLASS_TYPE.test(type)) {
    // `struct foo x;` names a type without defining it.
    if (SPECIFIER.test(type) && !node.childForFieldName('body')) return null;
    return 'class';
  }
  return null;
}

const NAME_TYPES = /identifier$|^(name|constant|word|type_identifier|field_identifier|property_identifier|operator_name|destructor_name|qualified_identifier|scoped_identifier)$/;

/** The declared name of a definition node, or null when it has none (an anonymous class). */
export function definitionName(node: Node): string | null {
  const named = node.childForFieldName('name');
  if (named && named.text.length <= 200) return named.text;

  if (node.type === 'lexical_declaration' || node.type === 'variable_declaration') {
    const declarator = node.namedChildren.find((c) => c?.type === 'variable_declarator');
    return declarator?.childForFieldName('name')?.text ?? null;
  }
  if (node.type === 'pair') {
    const key = node.childForFieldName('key');
    return key && /identifier$/.test(key.type) ? key.text : null;
  }
  if (node.type === 'assignment_expression') {
    // A property of something (`exports.parse`, `Foo.prototype.bar`), not a variable reassigned; `module.exports` names nothing.
    const left = node.childForFieldName('left');
    const property = left?.type === 'member_expression' ? left.childForFieldName('property') : null;
    return property && property.text !== 'exports' ? property.text : null;
  }
  if (node.type === 'impl_item') return node.childForFieldName('type')?.text ?? null;
  if (node.type === 'type_declaration') {
    return node.namedChildren.find((c) => c?.type === 'type_spec')?.childForFieldName('name')?.text ?? null;
  }
  // C and C++ nest the name inside declarators: int *(*f)(int) { … }
  let declarator = node.childForFieldName('declarator');
  for (let depth = 0; declarator && depth < 8; depth++) {
    if (NAME_TYPES.test(declarator.type)) return declarator.text;
    declarator = declarator.childForFieldName('declarator') ?? declarator.childForFieldName('name');
  }
  return null;
}
