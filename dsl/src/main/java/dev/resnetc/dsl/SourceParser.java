package dev.resnetc.dsl;

import dev.resnetc.dsl.grammar.ResnetLexer;
import dev.resnetc.dsl.grammar.ResnetParser;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;
import org.antlr.v4.runtime.Token;

/**
 * Turns source text into an {@link Ast.File}, reporting every syntax error in the file rather than
 * stopping at the first. Returns empty when there was any error, so later stages only see sound trees.
 */
public final class SourceParser {
  /**
   * Brackets nested deeper than this are rejected before parsing: ANTLR's recursive descent would
   * otherwise overflow the stack, and no real network nests expressions this deep.
   */
  static final int MAX_NESTING = 64;

  private SourceParser() {}

  public static Optional<Ast.File> parse(SourceFile source, Diagnostics diagnostics) {
    int errorsBefore = diagnostics.errorCount();
    ResnetLexer lexer = new ResnetLexer(CharStreams.fromString(source.text(), source.name()));
    lexer.removeErrorListeners();
    CommonTokenStream tokens = new CommonTokenStream(lexer);
    tokens.fill();
    if (tokens.size() == 1) { // only EOF: nothing but blanks and comments
      diagnostics.error(ErrorCode.EMPTY_FILE, new SourcePos(source.name(), 1, 1),
          "file is empty", "a .resnet file declares at least one network or block");
      return Optional.empty();
    }
    if (!checkNesting(tokens.getTokens(), source.name(), diagnostics)) {
      return Optional.empty();
    }
    ResnetParser parser = new ResnetParser(tokens);
    parser.removeErrorListeners();
    parser.addErrorListener(new Listener(source.name(), diagnostics));
    ResnetParser.FileContext tree = parser.file();
    if (diagnostics.errorCount() > errorsBefore) {
      return Optional.empty();
    }
    return Optional.of(new AstBuilder(source).file(tree));
  }

  private static boolean checkNesting(List<Token> tokens, String file, Diagnostics diagnostics) {
    int depth = 0;
    for (Token t : tokens) {
      String text = t.getText();
      if (text.equals("(") || text.equals("[") || text.equals("{")) {
        if (++depth > MAX_NESTING) {
          diagnostics.error(ErrorCode.NESTING_TOO_DEEP, pos(file, t),
              "brackets nested more than " + MAX_NESTING + " deep",
              "split the expression or the block into smaller pieces");
          return false;
        }
      } else if (text.equals(")") || text.equals("]") || text.equals("}")) {
        depth = Math.max(0, depth - 1);
      }
    }
    return true;
  }

  static SourcePos pos(String file, Token t) {
    return new SourcePos(file, Math.max(1, t.getLine()), t.getCharPositionInLine() + 1);
  }

  /** Reports ANTLR's syntax errors in the GNU form, once per position. */
  private static final class Listener extends BaseErrorListener {
    private final String file;
    private final Diagnostics diagnostics;
    private final Set<SourcePos> seen = new HashSet<>();

    Listener(String file, Diagnostics diagnostics) {
      this.file = file;
      this.diagnostics = diagnostics;
    }

    @Override
    public void syntaxError(Recognizer<?, ?> recognizer, Object offendingSymbol, int line,
        int charPositionInLine, String msg, RecognitionException e) {
      SourcePos at = new SourcePos(file, Math.max(1, line), charPositionInLine + 1);
      if (!seen.add(at)) {
        return;
      }
      String hint = "";
      if (offendingSymbol instanceof Token t && t.getType() == ResnetLexer.UNKNOWN) {
        msg = "unexpected character " + quote(t.getText());
        hint = "comments start with '#'";
      } else {
        msg = msg.replace("<EOF>", "end of file").replace("'\n'", "end of line");
      }
      diagnostics.error(ErrorCode.SYNTAX, at, msg, hint);
    }

    private static String quote(String text) {
      int cp = text.codePointAt(0);
      return Character.isISOControl(cp) || Character.isWhitespace(cp)
          ? String.format("U+%04X", cp)
          : "'" + text + "'";
    }
  }

  /** Builds the AST from ANTLR's parse tree; only called on trees without syntax errors. */
  private static final class AstBuilder {
    private final SourceFile source;

    AstBuilder(SourceFile source) {
      this.source = source;
    }

    private SourcePos pos(ParserRuleContext ctx) {
      return SourceParser.pos(source.name(), ctx.getStart());
    }

    Ast.File file(ResnetParser.FileContext ctx) {
      List<Ast.Import> imports = new ArrayList<>();
      for (ResnetParser.ImportDeclContext i : ctx.importDecl()) {
        String quoted = i.STRING().getText();
        imports.add(new Ast.Import(quoted.substring(1, quoted.length() - 1),
            SourceParser.pos(source.name(), i.STRING().getSymbol())));
      }
      List<Ast.Network> networks = new ArrayList<>();
      List<Ast.Block> blocks = new ArrayList<>();
      for (ResnetParser.DeclContext d : ctx.decl()) {
        if (d.network() != null) {
          networks.add(network(d.network()));
        } else {
          blocks.add(block(d.block()));
        }
      }
      return new Ast.File(source, imports, networks, blocks);
    }

    private Ast.Network network(ResnetParser.NetworkContext ctx) {
      List<Ast.Expr> dims = ctx.dims.stream().map(this::expr).toList();
      return new Ast.Network(ctx.name.getText(), dims, body(ctx.body()),
          SourceParser.pos(source.name(), ctx.name));
    }

    private Ast.Block block(ResnetParser.BlockContext ctx) {
      List<Ast.Param> params = new ArrayList<>();
      for (ResnetParser.ParamContext p : ctx.params) {
        params.add(new Ast.Param(p.name.getText(), Optional.ofNullable(p.value).map(this::expr),
            pos(p)));
      }
      return new Ast.Block(ctx.name.getText(), params, body(ctx.body()),
          SourceParser.pos(source.name(), ctx.name));
    }

    private List<Ast.Stmt> body(ResnetParser.BodyContext ctx) {
      return ctx.stmt().stream().map(this::stmt).toList();
    }

    private Ast.Stmt stmt(ResnetParser.StmtContext ctx) {
      Optional<String> label = Optional.ofNullable(ctx.label).map(Token::getText);
      ResnetParser.LayerContext layer = ctx.layer();
      SourcePos at = pos(ctx);
      if (layer instanceof ResnetParser.RepeatLayerContext r) {
        return new Ast.Repeat(label, expr(r.count), call(Optional.empty(), r.call(), pos(r.call())),
            args(r.argList()), at);
      }
      if (layer instanceof ResnetParser.ResidualLayerContext r) {
        return new Ast.Residual(label, args(r.argList()), body(r.body()), at);
      }
      ResnetParser.CallLayerContext c = (ResnetParser.CallLayerContext) layer;
      return call(label, c.call(), at);
    }

    private Ast.Call call(Optional<String> label, ResnetParser.CallContext ctx, SourcePos at) {
      return new Ast.Call(label, ctx.name.getText(), args(ctx.argList()), at,
          SourceParser.pos(source.name(), ctx.name));
    }

    private List<Ast.Arg> args(ResnetParser.ArgListContext ctx) {
      if (ctx == null) {
        return List.of();
      }
      return ctx.arg().stream()
          .map(a -> new Ast.Arg(Optional.ofNullable(a.name).map(Token::getText), expr(a.value),
              pos(a)))
          .toList();
    }

    private Ast.Expr expr(ResnetParser.ExprContext ctx) {
      SourcePos at = pos(ctx);
      if (ctx instanceof ResnetParser.ParenExprContext p) {
        return expr(p.expr());
      }
      if (ctx instanceof ResnetParser.NegExprContext n) {
        return new Ast.Neg(expr(n.expr()), at);
      }
      if (ctx instanceof ResnetParser.BinaryExprContext b) {
        return new Ast.Binary(b.op.getText().charAt(0), expr(b.left), expr(b.right),
            SourceParser.pos(source.name(), b.op));
      }
      if (ctx instanceof ResnetParser.IntExprContext i) {
        String digits = i.INT().getText();
        // Literals beyond long are clamped; lowering reports them as out of range.
        long value = digits.length() > 18 ? Long.MAX_VALUE : Long.parseLong(digits);
        return new Ast.IntLit(value, at);
      }
      if (ctx instanceof ResnetParser.FloatExprContext f) {
        return new Ast.RealLit(Double.parseDouble(f.FLOAT().getText()), at);
      }
      if (ctx instanceof ResnetParser.BoolExprContext b) {
        return new Ast.BoolLit(b.getText().equals("true"), at);
      }
      return new Ast.Name(((ResnetParser.NameExprContext) ctx).ID().getText(), at);
    }
  }
}
