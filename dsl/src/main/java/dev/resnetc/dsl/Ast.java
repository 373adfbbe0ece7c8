package dev.resnetc.dsl;

import java.util.List;
import java.util.Optional;

/**
 * The syntax tree of a {@code .resnet} file, exactly as written: block calls are not expanded and
 * expressions are not evaluated (that is lowering's job). Every node knows its source position.
 */
public final class Ast {
  private Ast() {}

  /** One parsed source file. */
  public record File(SourceFile source, List<Import> imports, List<Network> networks,
      List<Block> blocks) {
    public File {
      imports = List.copyOf(imports);
      networks = List.copyOf(networks);
      blocks = List.copyOf(blocks);
    }
  }

  /** {@code import "path.resnet"}: brings the imported file's blocks into scope. */
  public record Import(String path, SourcePos pos) {}

  /** {@code network Name(input: [c, h, w]) { ... }}. */
  public record Network(String name, List<Expr> inputDims, List<Stmt> body, SourcePos pos) {
    public Network {
      inputDims = List.copyOf(inputDims);
      body = List.copyOf(body);
    }
  }

  /** {@code block name(p1, p2=default) { ... }}: a reusable, parameterised piece of network. */
  public record Block(String name, List<Param> params, List<Stmt> body, SourcePos pos) {
    public Block {
      params = List.copyOf(params);
      body = List.copyOf(body);
    }
  }

  /** A block parameter, with its default value if it has one. */
  public record Param(String name, Optional<Expr> defaultValue, SourcePos pos) {}

  /** {@code name=value} or a positional {@code value} in a call. */
  public record Arg(Optional<String> name, Expr value, SourcePos pos) {}

  /** A statement in a network or block body; {@code label} names its parameters. */
  public sealed interface Stmt {
    Optional<String> label();

    SourcePos pos();

    <R> R accept(StmtVisitor<R> visitor);
  }

  /** Visits each kind of statement; adding a kind breaks every visitor that forgot it. */
  public interface StmtVisitor<R> {
    R visitCall(Call call);

    R visitRepeat(Repeat repeat);

    R visitResidual(Residual residual);
  }

  /** A layer or block call: {@code conv1: conv(64, kernel=7)} or {@code relu}. */
  public record Call(Optional<String> label, String name, List<Arg> args, SourcePos pos,
      SourcePos namePos) implements Stmt {
    public Call {
      args = List.copyOf(args);
    }

    @Override
    public <R> R accept(StmtVisitor<R> visitor) {
      return visitor.visitCall(this);
    }
  }

  /**
   * {@code layer2: repeat 4 bottleneck(128) first(stride=2)}: a stage of {@code count} copies of a
   * call, labelled {@code layer2.0 ... layer2.3}, where the first copy gets extra arguments.
   */
  public record Repeat(Optional<String> label, Expr count, Call call, List<Arg> firstArgs,
      SourcePos pos) implements Stmt {
    public Repeat {
      firstArgs = List.copyOf(firstArgs);
    }

    @Override
    public <R> R accept(StmtVisitor<R> visitor) {
      return visitor.visitRepeat(this);
    }
  }

  /**
   * {@code residual(shortcut=auto) { F }}: computes {@code g(F(x) + shortcut(x))} where the shortcut
   * is the identity or the projection W_s.
   */
  public record Residual(Optional<String> label, List<Arg> args, List<Stmt> body, SourcePos pos)
      implements Stmt {
    public Residual {
      args = List.copyOf(args);
      body = List.copyOf(body);
    }

    @Override
    public <R> R accept(StmtVisitor<R> visitor) {
      return visitor.visitResidual(this);
    }
  }

  /** An integer, real or boolean expression in an argument, a default or a dimension. */
  public sealed interface Expr {
    SourcePos pos();

    <R> R accept(ExprVisitor<R> visitor);
  }

  /** Visits each kind of expression. */
  public interface ExprVisitor<R> {
    R visitInt(IntLit e);

    R visitReal(RealLit e);

    R visitBool(BoolLit e);

    R visitName(Name e);

    R visitNeg(Neg e);

    R visitBinary(Binary e);
  }

  /** An integer literal; kept as text-sized long so overflow is caught when it is evaluated. */
  public record IntLit(long value, SourcePos pos) implements Expr {
    @Override
    public <R> R accept(ExprVisitor<R> visitor) {
      return visitor.visitInt(this);
    }
  }

  /** A real literal such as {@code 1e-5}. */
  public record RealLit(double value, SourcePos pos) implements Expr {
    @Override
    public <R> R accept(ExprVisitor<R> visitor) {
      return visitor.visitReal(this);
    }
  }

  /** {@code true} or {@code false}. */
  public record BoolLit(boolean value, SourcePos pos) implements Expr {
    @Override
    public <R> R accept(ExprVisitor<R> visitor) {
      return visitor.visitBool(this);
    }
  }

  /** A block parameter or a symbolic value such as {@code same}, {@code auto} or {@code relu}. */
  public record Name(String name, SourcePos pos) implements Expr {
    @Override
    public <R> R accept(ExprVisitor<R> visitor) {
      return visitor.visitName(this);
    }
  }

  /** {@code -e}. */
  public record Neg(Expr operand, SourcePos pos) implements Expr {
    @Override
    public <R> R accept(ExprVisitor<R> visitor) {
      return visitor.visitNeg(this);
    }
  }

  /** {@code a op b} for {@code + - * / %}. */
  public record Binary(char op, Expr left, Expr right, SourcePos pos) implements Expr {
    @Override
    public <R> R accept(ExprVisitor<R> visitor) {
      return visitor.visitBinary(this);
    }
  }
}
