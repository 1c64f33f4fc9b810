import { Component, type ErrorInfo, type ReactNode } from "react";

interface ErrorBoundaryProps {
  children: ReactNode;
}

interface ErrorBoundaryState {
  error: Error | null;
  attempt: number;
}

/** Anything the grid throws while rendering ends here, with a way back that remounts it. */
export class ErrorBoundary extends Component<ErrorBoundaryProps, ErrorBoundaryState> {
  override state: ErrorBoundaryState = { error: null, attempt: 0 };

  static getDerivedStateFromError(error: Error): Partial<ErrorBoundaryState> {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error("task grid crashed", error, info.componentStack);
  }

  retry = () => this.setState((state) => ({ error: null, attempt: state.attempt + 1 }));

  override render() {
    if (this.state.error) {
      return (
        <div className="panel error-panel" role="alert">
          <h2>Something went wrong while showing the tasks</h2>
          <p className="muted">{this.state.error.message}</p>
          <button type="button" className="primary" onClick={this.retry}>
            Try again
          </button>
        </div>
      );
    }
    return (
      <div className="boundary" key={this.state.attempt}>
        {this.props.children}
      </div>
    );
  }
}
