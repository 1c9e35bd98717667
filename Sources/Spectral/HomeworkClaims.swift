// HomeworkClaims.swift — numbers printed in the homework document (homework 5, exercise 2(c))
// and in its worked solution, typed in exactly as printed so that the reports can check them.
//
// Nothing here is a result of the workbench: these are the document's claims. Every value
// the reports compare them with is computed (EigReport.swift, PowerReport.swift).

import WorkbenchNumerics

/// The printed numbers of homework 5, exercise 2(c), labelled by where they appear.
public enum HomeworkClaims {
    /// W as the exercise states it (seed 003, line 247).
    public static let matrix = Matrix<Double>([[0.58, 0.24], [0.24, 0.72]])
    /// The eigenvalues the exercise states (Λ = diag(0.9, 0.4)).
    public static let statedEigenvalues: [Double] = [0.9, 0.4]
    /// Q as printed in the exercise statement (left factor of W = QΛQ⁻¹; seed 003, line 253).
    public static let statementQ: [[Double]] = [[-0.6, -0.8], [-0.8, 0.5]]
    /// Q⁻¹ as printed in the exercise statement (right factor).
    public static let statementQInverse: [[Double]] = [[-0.6, -0.8], [-0.8, 0.6]]
    /// Q (and Q⁻¹) as printed in the worked solution's equation (15).
    public static let solutionQ: [[Double]] = [[-0.6, -0.8], [-0.8, 0.6]]
    /// The power the exercise asks for.
    public static let solutionPower = 30
    /// The worked solution's claim for W³⁰ (equation (15), seed 003, lines 284–285), digits exactly
    /// as printed. The solution's four general statements (lines 290–293) are judged from computed
    /// cases by `regimesReport`; no verdict is stored here.
    public static let solutionW30: [[String]] = [["0.015260", "0.020348"], ["0.020348", "0.027130"]]
    /// Where the claims come from, for report labels.
    public static let source = "homework 5, exercise 2(c): the worked solution's claim (eq. 15)"

    /// Whether `w` is the homework's W (exactly, as typed).
    public static func isHomeworkMatrix(_ w: Matrix<Double>) -> Bool { w == matrix }
}
