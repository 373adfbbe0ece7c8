/*
 * The .resnet language.
 *
 *   import "blocks.resnet"
 *   network ResNet18(input: [3, 224, 224]) { conv1: conv(64, kernel=7, stride=2, padding=3) ... }
 *   block basic(planes, stride=1) { residual(shortcut=auto) { ... } }
 *
 * Layers and blocks share one call syntax; which names exist is decided by the compiler, not the
 * grammar, so that an unknown name gets a "did you mean" diagnostic instead of a syntax error.
 */
grammar Resnet;

file
    : importDecl* decl* EOF
    ;

importDecl
    : 'import' STRING
    ;

decl
    : network
    | block
    ;

network
    : 'network' name=ID '(' 'input' ':' '[' dims+=expr (',' dims+=expr)* ','? ']' ')' body
    ;

block
    : 'block' name=ID '(' (params+=param (',' params+=param)* ','?)? ')' body
    ;

param
    : name=ID ('=' value=expr)?
    ;

body
    : '{' stmt* '}'
    ;

stmt
    : (label=ID ':')? layer
    ;

layer
    : 'repeat' count=expr call ('first' '(' argList? ')')?   # repeatLayer
    | 'residual' ('(' argList? ')')? body                      # residualLayer
    | call                                                     # callLayer
    ;

call
    : name=ID ('(' argList? ')')?
    ;

argList
    : arg (',' arg)* ','?
    ;

arg
    : (name=ID '=')? value=expr
    ;

expr
    : '(' expr ')'                           # parenExpr
    | '-' expr                               # negExpr
    | left=expr op=('*' | '/' | '%') right=expr   # binaryExpr
    | left=expr op=('+' | '-') right=expr         # binaryExpr
    | INT                                    # intExpr
    | FLOAT                                  # floatExpr
    | ('true' | 'false')                     # boolExpr
    | ID                                     # nameExpr
    ;

ID      : [a-zA-Z_] [a-zA-Z_0-9]* ;
INT     : [0-9]+ ;
FLOAT   : [0-9]+ '.' [0-9]* EXP? | '.' [0-9]+ EXP? | [0-9]+ EXP ;
fragment EXP : [eE] [+-]? [0-9]+ ;
STRING  : '"' ~["\r\n]* '"' ;
COMMENT : '#' ~[\r\n]* -> skip ;
WS      : [ \t\r\n\f]+ -> skip ;
// Anything else becomes one token that the parser rejects, so the lexer never stops on bad input.
UNKNOWN : . ;
