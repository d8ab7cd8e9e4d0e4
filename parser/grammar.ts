/**
 * Chevrotain grammars: one instruction line (keyword, flags, rest) and the
 * JSON value of an exec-form argument list. Both are built once at module
 * load (performSelfAnalysis) and reused by assigning `.input`.
 */
import { CstParser, type CstNode, type IToken } from 'chevrotain';

/**
 * Grammar validations cost start-up time on every kiln run; they only catch
 * mistakes in the grammar itself, so they run in the tests
 * (KILN_VALIDATE_GRAMMAR=1, see grammar.test.ts) and are skipped otherwise.
 */
export const validateGrammar = process.env.KILN_VALIDATE_GRAMMAR === '1';
import {
  Blank,
  Colon,
  Comma,
  Flag,
  FlagEnd,
  instructionTokens,
  JsonFalse,
  JsonNull,
  JsonNumber,
  JsonString,
  jsonTokens,
  JsonTrue,
  Keyword,
  LBrace,
  LBracket,
  RBrace,
  RBracket,
  Rest,
} from './tokens.js';

/** `instruction := Keyword Blank? (Flag Blank?)* (FlagEnd Blank?)? Rest?` */
export class InstructionParser extends CstParser {
  constructor() {
    super(instructionTokens, { recoveryEnabled: false, maxLookahead: 1, skipValidations: !validateGrammar });
    this.performSelfAnalysis();
  }

  readonly instruction = this.RULE('instruction', () => {
    this.CONSUME(Keyword);
    this.OPTION(() => this.CONSUME(Blank));
    this.MANY(() => {
      this.CONSUME(Flag);
      this.OPTION2(() => this.CONSUME2(Blank));
    });
    this.OPTION3(() => {
      this.CONSUME(FlagEnd);
      this.OPTION4(() => this.CONSUME3(Blank));
    });
    this.OPTION5(() => this.CONSUME(Rest));
  });
}

/** A JSON value; only arrays of strings are meaningful to Dockerfiles. */
export class JsonParser extends CstParser {
  constructor() {
    super(jsonTokens, { recoveryEnabled: false, maxLookahead: 1, skipValidations: !validateGrammar });
    this.performSelfAnalysis();
  }

  readonly value = this.RULE('value', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.array) },
      { ALT: () => this.SUBRULE(this.object) },
      { ALT: () => this.CONSUME(JsonString) },
      { ALT: () => this.CONSUME(JsonNumber) },
      { ALT: () => this.CONSUME(JsonTrue) },
      { ALT: () => this.CONSUME(JsonFalse) },
      { ALT: () => this.CONSUME(JsonNull) },
    ]);
  });

  readonly array = this.RULE('array', () => {
    this.CONSUME(LBracket);
    this.MANY_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.value) });
    this.CONSUME(RBracket);
  });

  readonly object = this.RULE('object', () => {
    this.CONSUME(LBrace);
    this.MANY_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.pair) });
    this.CONSUME(RBrace);
  });

  readonly pair = this.RULE('pair', () => {
    this.CONSUME(JsonString);
    this.CONSUME(Colon);
    this.SUBRULE(this.value);
  });
}

export const instructionParser = new InstructionParser();
export const jsonParser = new JsonParser();

/** What the instruction visitor extracts from a CST. */
export interface InstructionParts {
  readonly keyword: IToken;
  readonly flags: readonly IToken[];
  readonly rest: IToken | undefined;
}

const InstructionVisitorBase = instructionParser.getBaseCstVisitorConstructor();

/** CST → the parts of an instruction line. */
class InstructionVisitor extends InstructionVisitorBase {
  constructor() {
    super();
    this.validateVisitor();
  }

  instruction(ctx: { Keyword: IToken[]; Flag?: IToken[]; Rest?: IToken[] }): InstructionParts {
    const keyword = ctx.Keyword[0];
    if (keyword === undefined) throw new Error('internal: instruction without keyword');
    return { keyword, flags: ctx.Flag ?? [], rest: ctx.Rest?.[0] };
  }
}

export const instructionVisitor = new InstructionVisitor();

/** One element of a JSON array: a string token, or anything else. */
export type JsonElement = { readonly kind: 'string'; readonly token: IToken } | { readonly kind: 'other' };

const JsonVisitorBase = jsonParser.getBaseCstVisitorConstructorWithDefaults();

/** CST → the top-level array's elements (`undefined` when the value is not an array). */
class JsonVisitor extends JsonVisitorBase {
  constructor() {
    super();
    this.validateVisitor();
  }

  value(ctx: { array?: CstNode[]; JsonString?: IToken[] }): readonly JsonElement[] | undefined {
    const arr = ctx.array?.[0];
    return arr === undefined ? undefined : (this.visit(arr) as JsonElement[]);
  }

  array(ctx: { value?: CstNode[] }): JsonElement[] {
    return (ctx.value ?? []).map((v) => {
      const children = v.children as { JsonString?: IToken[] };
      const tok = children.JsonString?.[0];
      return tok === undefined ? { kind: 'other' as const } : { kind: 'string' as const, token: tok };
    });
  }
}

export const jsonVisitor = new JsonVisitor();
