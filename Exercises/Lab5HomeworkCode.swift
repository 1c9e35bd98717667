// Lab5HomeworkCode.swift — the code the Lab 5 seed (001) completes, transcribed: what
// `RNN_model.__init__` declares, `RNN_model.forward` as written, and `process_poems`. These are
// the homework's own definitions; the exercise (Lab5PoemModel.swift) compares the workbench's
// poem model, trainer and vocabulary with them.
//
// Dimension letters: B batch, T steps, E embedding width, H LSTM width, L = 2 layers, R rows of
// the embedding and of the output layer (the seed's `vocab_length`). Notation: PyTorch. Shapes
// of a module's `state_dict` follow PyTorch's documented rules: nn.LSTM(input_size I,
// hidden_size H, num_layers L) has weight_ih_l0 [4H, I], weight_hh_l{k} [4H, H], bias_ih_l{k} and
// bias_hh_l{k} [4H], weight_ih_l{k ≥ 1} [4H, H], gate blocks (i, f, g, o); nn.Linear(in, out)
// has weight [out, in] and bias [out]; modules appear in the order `__init__` assigns them.
// Leaves out: the embedding module's class, which the seed passes in (`word_embedding`) and
// main.py defines (an nn.Embedding stored as `.word_embedding`): its key and row count are
// parameters here, not the seed's.

import Foundation
import WorkbenchNumerics

/// What `RNN_model.__init__` declares (seed 001, lines 93–118).
struct HomeworkModelDeclaration {
    /// `self.word_embedding_lookup = word_embedding`: registered first.
    let embeddingAttribute = "word_embedding_lookup"
    /// `nn.LSTM(input_size=word_embedding_dim, hidden_size=lstm_dim, num_layers=2, batch_first=True)`.
    let lstmAttribute = "rnn_lstm"
    let lstmLayers = 2
    let batchFirst = true
    /// `nn.Linear(self.lstm_dim, self.vocab_length)`.
    let linearAttribute = "fc"

    /// The state_dict the declaration gives: names and shapes in order.
    /// - Parameters:
    ///   - vocabLength: `vocab_len` (the output layer's size).
    ///   - embeddingDim: `embedding_dim` (the LSTM's input size).
    ///   - lstmDim: `lstm_hidden_dim`.
    ///   - embeddingKey, embeddingRows: the passed-in embedding module's parameter (main.py's).
    func stateDict(
        vocabLength: Int, embeddingDim: Int, lstmDim: Int, embeddingKey: String = "word_embedding.weight",
        embeddingRows: Int
    ) -> [(name: String, shape: [Int])] {
        var out: [(String, [Int])] = [("\(embeddingAttribute).\(embeddingKey)", [embeddingRows, embeddingDim])]
        for l in 0..<lstmLayers {
            out.append(("\(lstmAttribute).weight_ih_l\(l)", [4 * lstmDim, l == 0 ? embeddingDim : lstmDim]))
            out.append(("\(lstmAttribute).weight_hh_l\(l)", [4 * lstmDim, lstmDim]))
            out.append(("\(lstmAttribute).bias_ih_l\(l)", [4 * lstmDim]))
            out.append(("\(lstmAttribute).bias_hh_l\(l)", [4 * lstmDim]))
        }
        out.append(("\(linearAttribute).weight", [vocabLength, lstmDim]))
        out.append(("\(linearAttribute).bias", [vocabLength]))
        return out
    }
}

/// The parameters of the homework's model in Double, by state_dict name.
struct HomeworkParameters {
    /// name → (shape, row-major values).
    var tensors: [String: (shape: [Int], values: [Double])]

    func matrix(_ name: String) -> Matrix<Double> {
        let t = tensors[name]!
        return t.shape.count == 2
            ? Matrix(rows: t.shape[0], cols: t.shape[1], storage: t.values)
            : Matrix(rows: 1, cols: t.shape[0], storage: t.values)
    }
}

/// `RNN_model.forward(sentence, batch_size, is_test)` as the seed writes it (lines 120–142), in
/// Double. `flattenedRow(b, t)` is where `output.contiguous().view(-1, lstm_dim)` puts sequence
/// b's step t (b·T + t for a batch-first (B, T, H) tensor); `initialState` is the value of every
/// entry of (h0, c0) (the seed: zeros); `testRow` picks the row returned at test time (the seed:
/// `out[-1, :]`).
struct HomeworkForward {
    var flattenedRow: @Sendable (_ b: Int, _ t: Int, _ batch: Int, _ steps: Int) -> Int = { b, t, _, steps in b * steps + t }
    var initialState = 0.0
    var testRow: @Sendable (_ rows: Int) -> Int = { $0 - 1 }

    /// Logits: (B·T, R) in training, (1, R) at test time. `sentence`: B sequences of T tokens.
    func callAsFunction(_ p: HomeworkParameters, sentence: [[Int]], lstmDim H: Int, isTest: Bool) -> Matrix<Double> {
        let B = sentence.count, T = sentence[0].count
        let embedding = p.matrix("word_embedding_lookup.word_embedding.weight")
        // batch_input = word_embedding_lookup(sentence).view(batch_size, -1, embedding_dim): (B, T, E)
        var layerInput: [[Matrix<Double>]] = sentence.map { seq in seq.map { embedding.rows($0..<($0 + 1)) } }
        for l in 0..<2 {
            let wih = p.matrix("rnn_lstm.weight_ih_l\(l)"), whh = p.matrix("rnn_lstm.weight_hh_l\(l)")
            let bias = p.matrix("rnn_lstm.bias_ih_l\(l)") + p.matrix("rnn_lstm.bias_hh_l\(l)")
            var next: [[Matrix<Double>]] = []
            for b in 0..<B {
                // h0 = c0 = torch.zeros(2, batch_size, lstm_dim)
                var h = Matrix<Double>(rows: 1, cols: H, repeating: initialState), c = h
                var outputs: [Matrix<Double>] = []
                for t in 0..<T {
                    let z = layerInput[b][t] * wih.transposed + h * whh.transposed + bias  // (1, 4H), blocks i, f, g, o
                    var hNew = Matrix<Double>.zeros(1, H), cNew = Matrix<Double>.zeros(1, H)
                    for j in 0..<H {
                        let i = Double.sigmoid(z[0, j]), f = Double.sigmoid(z[0, H + j])
                        let g = Double.tanh(z[0, 2 * H + j]), o = Double.sigmoid(z[0, 3 * H + j])
                        cNew[0, j] = f * c[0, j] + i * g
                        hNew[0, j] = o * Double.tanh(cNew[0, j])
                    }
                    h = hNew; c = cNew
                    outputs.append(h)
                }
                next.append(outputs)
            }
            layerInput = next
        }
        // out = output.contiguous().view(-1, lstm_dim); out = self.fc(out)
        let fcW = p.matrix("fc.weight"), fcB = p.matrix("fc.bias")
        var flat = Matrix<Double>.zeros(B * T, H)
        for b in 0..<B {
            for t in 0..<T {
                let r = flattenedRow(b, t, B, T)
                guard r >= 0 && r < B * T else { continue }
                for j in 0..<H { flat[r, j] = layerInput[b][t][0, j] }
            }
        }
        var out = flat * fcW.transposed
        for r in 0..<out.rows { for v in 0..<out.cols { out[r, v] += fcB[0, v] } }
        if isTest {
            // prediction = out[-1, :].view(1, -1)
            let r = min(max(testRow(out.rows), 0), out.rows - 1)
            return out.rows(r..<(r + 1))
        }
        return out
    }
}

/// `process_poems` as the seed writes it (lines 148–175): every line (without its newline) is
/// wrapped in G … E; characters are counted (a Counter keeps first-insertion order) and sorted by
/// descending count with Python's stable sort, so ties keep the order of first occurrence;
/// indices count from 0 in that order.
struct HomeworkProcessPoems {
    let startToken: Character = "G"
    let endToken: Character = "E"

    /// (poems_vector, the characters in index order).
    func callAsFunction(lines: [String]) -> (vectors: [[Int]], words: [Character]) {
        let poems = lines.map { [startToken] + Array($0) + [endToken] }
        var order: [Character] = []
        var counter: [Character: Int] = [:]
        for poem in poems {
            for w in poem {
                if counter[w] == nil { order.append(w) }
                counter[w, default: 0] += 1
            }
        }
        // sorted(words_counter.items(), key=lambda x: -x[1]) is stable.
        var words: [Character] = []
        let counts = Set(counter.values).sorted(by: >)
        for c in counts { words += order.filter { counter[$0] == c } }
        let index = Dictionary(uniqueKeysWithValues: words.enumerated().map { ($1, $0) })
        return (poems.map { $0.map { index[$0]! } }, words)
    }

    /// The lines `f.readlines()` gives for a file's text, each without its final newline.
    static func lines(of text: String) -> [String] {
        // Python's text mode reads "\r\n" as "\n" (universal newlines).
        var parts = text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
        if parts.last == "" { parts.removeLast() }
        return parts
    }
}
